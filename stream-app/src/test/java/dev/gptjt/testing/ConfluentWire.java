package dev.gptjt.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * What a Confluent Schema Registry client puts on the wire, written from its specification (Confluent's own serdes
 * are not on Maven Central): the writer schema registered under {@code <topic>-value} through the Confluent REST API
 * ({@code POST /subjects/{subject}/versions}), then magic byte 0, the 4-byte big-endian schema id and the Avro binary
 * datum; readers fetch the writer schema by id ({@code GET /schemas/ids/{id}}). Pointed at Apicurio's
 * {@code /apis/ccompat/v7}, it is a Confluent client of this project's topics.
 */
public final class ConfluentWire implements WireFormat {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String url;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    /** @param url the Confluent-compatible API, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7} */
    public ConfluentWire(String url) {
        this.url = url;
    }

    /**
     * Registers {@code schema} under {@code subject} as a Confluent client does.
     *
     * @return the registry's answer: its HTTP status and body (an id, or why it refused)
     */
    public HttpResponse<String> register(String subject, Schema schema) {
        try {
            String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
            return http.send(
                    HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sets {@code subject}'s compatibility level ({@code BACKWARD}, …) through the Confluent API. */
    public HttpResponse<String> compatibility(String subject, String level) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url + "/config/" + subject))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"" + level + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public byte[] encode(String topic, SpecificRecord record) {
        return encode(topic, record.getSchema(), record);
    }

    /** {@code datum} written with {@code schema} (registered on first use) in Confluent framing. */
    public byte[] encode(String topic, Schema schema, Object datum) {
        String subject = topic + "-value";
        int id = ids.computeIfAbsent(subject + "\u0000" + schema, k -> {
            HttpResponse<String> r = register(subject, schema);
            if (r.statusCode() != 200) {
                throw new WireFormatException("registering under " + subject + ": " + r.statusCode() + " " + r.body());
            }
            try {
                return JSON.readTree(r.body()).get("id").asInt();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            (datum instanceof SpecificRecord
                            ? new SpecificDatumWriter<Object>(schema)
                            : new GenericDatumWriter<Object>(schema))
                    .write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public SpecificRecord decode(String topic, byte[] bytes) {
        if (bytes == null || bytes.length < 5 || bytes[0] != 0) {
            throw new WireFormatException("not Confluent-framed");
        }
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        Schema writer = schemas.computeIfAbsent(id, this::fetch);
        Schema reader = SpecificData.get().getClass(writer) == null
                ? writer
                : SpecificData.get().getSchema(SpecificData.get().getClass(writer));
        try {
            return new SpecificDatumReader<SpecificRecord>(writer, reader)
                    .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (IOException e) {
            throw new WireFormatException("unreadable datum: " + e.getMessage(), e);
        }
    }

    /** The writer schema of {@code id}, with the schemas it references parsed first (as Confluent's client does). */
    private Schema fetch(int id) {
        JsonNode body = get("/schemas/ids/" + id);
        Schema.Parser parser = new Schema.Parser();
        parseReferences(body, parser);
        return parser.parse(body.get("schema").asText());
    }

    private void parseReferences(JsonNode schema, Schema.Parser parser) {
        for (JsonNode reference : schema.path("references")) {
            JsonNode referenced = get("/subjects/" + reference.get("subject").asText() + "/versions/"
                    + reference.get("version").asText());
            parseReferences(referenced, parser);
            if (!parser.getTypes().containsKey(reference.get("name").asText())) {
                parser.parse(referenced.get("schema").asText());
            }
        }
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new WireFormatException(path + ": " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

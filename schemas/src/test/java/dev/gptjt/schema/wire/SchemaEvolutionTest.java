package dev.gptjt.schema.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gptjt.schema.PromptRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/**
 * Every released version of each schema is kept in {@code schemas/compat/<Name>/<N>.avsc}. The current
 * schema must read data written with every one of them (BACKWARD compatibility), and the newest
 * snapshot must be the current schema: changing a schema means adding {@code <N+1>.avsc}.
 */
class SchemaEvolutionTest {
    private static final Path COMPAT = Path.of("compat");

    private static List<Path> versions(Schema schema) throws Exception {
        Path dir = COMPAT.resolve(schema.getName());
        if (!Files.isDirectory(dir)) {
            fail("no released versions of " + schema.getName() + " in " + dir.toAbsolutePath() + ": add 1.avsc");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".avsc"))
                    .sorted(Comparator.comparingInt(
                            p -> Integer.parseInt(p.getFileName().toString().replace(".avsc", ""))))
                    .toList();
        }
    }

    @Test
    void shouldReadDataWrittenWithEveryReleasedVersion() throws Exception {
        for (Schema current : KnownSchemas.RECORDS) {
            for (Path version : versions(current)) {
                Schema released = new Schema.Parser().parse(version.toFile());
                SchemaCompatibility.SchemaPairCompatibility result =
                        SchemaCompatibility.checkReaderWriterCompatibility(current, released);
                assertEquals(
                        SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                        result.getType(),
                        () -> current.getName() + " cannot read data written with " + version + ": "
                                + result.getDescription());
            }
        }
    }

    @Test
    void shouldHaveTheCurrentSchemaAsTheNewestReleasedVersion() throws Exception {
        for (Schema current : KnownSchemas.RECORDS) {
            List<Path> versions = versions(current);
            Schema newest =
                    new Schema.Parser().parse(versions.get(versions.size() - 1).toFile());
            assertEquals(
                    SchemaNormalization.parsingFingerprint64(newest),
                    SchemaNormalization.parsingFingerprint64(current),
                    () -> current.getName() + " changed since " + versions.get(versions.size() - 1)
                            + ": check it stays backward compatible and add the next version's snapshot");
        }
    }

    @Test
    void shouldDetectABackwardIncompatibleChange() {
        // A new required field without a default cannot be read from old data: the check must say so.
        Schema current = PromptRequest.getClassSchema();
        String json = current.toString()
                .replaceFirst("\"fields\":\\[", "\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},");
        Schema incompatible = new Schema.Parser().parse(json);
        assertFalse(SchemaCompatibility.checkReaderWriterCompatibility(incompatible, current)
                        .getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void shouldDocumentEveryRecordAndField() {
        for (Schema s : KnownSchemas.RECORDS) {
            assertDocumented(s);
        }
    }

    private static void assertDocumented(Schema s) {
        if (s.getType() == Schema.Type.RECORD) {
            assertTrue(s.getDoc() != null && !s.getDoc().isBlank(), s.getFullName() + " has no doc");
            for (Schema.Field f : s.getFields()) {
                assertTrue(f.doc() != null && !f.doc().isBlank(), s.getFullName() + "." + f.name() + " has no doc");
                for (Schema branch : f.schema().isUnion() ? f.schema().getTypes() : List.of(f.schema())) {
                    assertDocumented(branch.getType() == Schema.Type.ARRAY ? branch.getElementType() : branch);
                }
            }
        }
    }
}

package dev.gptjt.schema.wire;

import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.schema.internal.CachedResult;
import dev.gptjt.schema.internal.ParkedPrompt;
import dev.gptjt.schema.internal.PendingPrompt;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/** Every record schema this project writes to Kafka, for decoders that accept any of them. */
public final class KnownSchemas {
    /** Newer record types (task results) are added here as they appear. */
    public static final List<Schema> RECORDS = List.of(
            PromptRequest.getClassSchema(),
            Completion.getClassSchema(),
            PromptFailure.getClassSchema(),
            Classification.getClassSchema(),
            Extraction.getClassSchema(),
            PendingPrompt.getClassSchema(),
            ParkedPrompt.getClassSchema(),
            ReviewVerdict.getClassSchema(),
            CachedResult.getClassSchema());

    private KnownSchemas() {}

    /** The model to decode with: generated classes and their logical types (timestamps as Instant). */
    public static SpecificData model() {
        return SpecificData.getForSchema(PromptRequest.getClassSchema());
    }
}

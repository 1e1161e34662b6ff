package dev.gptjt.schema.violation;

import dev.gptjt.engine.GenerationParams;

/** Breaks {@code Layering.SCHEMAS_USE_NO_OTHER_MODULE}: a wire format that knows the engine's parameters. */
public final class SchemaImportsEngine {

    int maxNewTokens(GenerationParams params) {
        return params.maxNewTokens();
    }
}

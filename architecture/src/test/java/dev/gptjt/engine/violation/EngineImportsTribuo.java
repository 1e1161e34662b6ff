package dev.gptjt.engine.violation;

import org.tribuo.classification.Label;

/** Breaks {@code Layering.ENGINE_USES_NO_FRAMEWORK}: engine code that answers with a Tribuo label. */
public final class EngineImportsTribuo {

    Label label(String name) {
        return new Label(name);
    }
}

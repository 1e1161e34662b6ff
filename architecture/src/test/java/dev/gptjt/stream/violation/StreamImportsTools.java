package dev.gptjt.stream.violation;

import dev.gptjt.tools.task.TaskRunner;

/** Breaks {@code Layering.SERVICE_USES_NO_LAUNCHER}: the service reading JSON through the launcher's task tools. */
public final class StreamImportsTools {

    Object json() {
        return TaskRunner.JSON;
    }
}

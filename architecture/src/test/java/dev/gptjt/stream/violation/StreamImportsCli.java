package dev.gptjt.stream.violation;

import dev.gptjt.cluster.KafkaBroker;
import java.nio.file.Path;

/** Breaks {@code Layering.SERVICE_USES_NO_LAUNCHER}: the service starting the local cluster's broker. */
public final class StreamImportsCli {

    KafkaBroker broker(Path dataDir) throws Exception {
        return KafkaBroker.start(dataDir);
    }
}

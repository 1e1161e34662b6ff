// Times the project's engine open (InferenceEngine.open: ORT session creation over the 4 GB export), configured
// as `gptjt bench engine` configures it (cli/.../bench/EngineBench.run), since the bench prints no load time.
// Run with the clone's classpath:  java -cp "$CLONE/cli/target/classes:$(cat $CLONE/cli/target/classpath.txt)" ProjectLoadTime.java DIR BATCH PROMPT NEW THREADS
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import java.nio.file.Path;
import java.time.Duration;

public class ProjectLoadTime {
    public static void main(String[] a) {
        Path model = Path.of(a[0]);
        int batch = Integer.parseInt(a[1]), prompt = Integer.parseInt(a[2]), nw = Integer.parseInt(a[3]), threads = Integer.parseInt(a[4]);
        EngineConfig config = EngineConfig.defaults(model)
                .withBatching(batch, Duration.ofSeconds(1), Math.max(batch, 64))
                .withMaxNewTokensCap(Math.max(nw, 1))
                .withMaxContext(prompt + Math.max(nw, 1))
                .withThreads(threads, 0)
                .withBackend(DecodingBackend.JAVA_LOOP);
        long t0 = System.nanoTime();
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("{\"tool\":\"project\",\"event\":\"loaded\",\"load_s\":%.2f}%n", s);
        }
    }
}

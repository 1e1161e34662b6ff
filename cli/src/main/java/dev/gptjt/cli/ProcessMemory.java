package dev.gptjt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * This process's memory as Linux counts it ({@code /proc/self/status}): resident pages in all, those private
 * to it (anonymous: the JVM heap, direct buffers, ONNX Runtime's prepacked weights and arenas) and those
 * backed by files (mapped weights the kernel may drop and read again), and the peak.
 */
public record ProcessMemory(long rssBytes, long anonymousBytes, long fileBytes, long peakBytes) {
    /** Empty where there is no {@code /proc} (not Linux). */
    public static Optional<ProcessMemory> read() {
        try {
            long rss = 0, anon = 0, file = 0, peak = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                String[] f = line.split("\\s+");
                if (f.length < 3 || !f[2].equals("kB")) {
                    continue;
                }
                long bytes = Long.parseLong(f[1]) * 1024;
                switch (f[0]) {
                    case "VmRSS:" -> rss = bytes;
                    case "RssAnon:" -> anon = bytes;
                    case "RssFile:" -> file = bytes;
                    case "VmHWM:" -> peak = bytes;
                    default -> {}
                }
            }
            return Optional.of(new ProcessMemory(rss, anon, file, peak));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** One line: {@code RSS 5.8 GB (private 3.2 GB, file-backed 2.6 GB), peak 6.0 GB}. */
    public String line() {
        return String.format(
                Locale.ROOT,
                "RSS %.2f GB (private %.2f GB, file-backed %.2f GB), peak %.2f GB",
                rssBytes / 1e9,
                anonymousBytes / 1e9,
                fileBytes / 1e9,
                peakBytes / 1e9);
    }
}

package dev.gptjt.cluster;

/** A server this JVM runs as a child process (a broker, a registry): stopping it may wait for it to exit. */
public interface ChildServer {
    boolean isAlive();

    /** Stops it. */
    void close() throws InterruptedException;

    /**
     * Stops {@code server} when this JVM is asked to exit (Ctrl-C). Returns at once.
     *
     * @param thread the shutdown hook's thread name
     */
    static void stopOnExit(ChildServer server, String thread) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                server.close();
                            } catch (InterruptedException ignored) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        thread));
    }

    /** Waits while {@code server} runs (a foreground command's whole life: polled, it has no exit event to wait on). */
    static void awaitExit(ChildServer server) throws InterruptedException {
        while (server.isAlive()) {
            Thread.sleep(500);
        }
    }
}

package dev.gptjt.schema.wire;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Registries that cannot answer, as sockets that misbehave: the wire format says the registry is unavailable (the
 * service parks the record), never that the record is unreadable (the service would dead-letter it).
 */
class RegistryUnreachableTest {
    /**
     * One that accepts connections and never answers (one shutting down, a hung proxy): the serdes' HTTP client would
     * wait for ever, holding the service's stream thread. The wire format gives up after its request timeout, then
     * refuses at once for a while rather than making every record wait its own timeout.
     */
    @Test
    void shouldGiveUpOnASilentRegistryAndThenNotWaitForItAgain() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            serve(silent, accepted::add); // read nothing, answer nothing
            try (RegistryWireFormat wire = wireTo(silent, 300)) {
                long start = System.nanoTime();
                WireFormatUnavailableException first =
                        assertThrows(WireFormatUnavailableException.class, () -> wire.decode("t", framed(7)));
                long firstMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(first.getMessage().contains("did not answer within 300 ms"), first.getMessage());
                assertTrue(firstMillis < 5_000, "gave up after " + firstMillis + " ms");
                start = System.nanoTime();
                WireFormatUnavailableException next =
                        assertThrows(WireFormatUnavailableException.class, () -> wire.decode("t", framed(8)));
                long nextMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(next.getMessage().contains("schema id 8 waits"), next.getMessage());
                assertTrue(nextMillis < 300, "refused at once, not after another timeout: " + nextMillis + " ms");
                assertTrue(wire.registryErrors() >= 2);
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** One that reads the request and drops the connection (a registry stopping mid-request, a load balancer reset). */
    @Test
    void shouldSayUnavailableWhenTheRegistryDropsTheConnectionMidRequest() throws Exception {
        try (ServerSocket dropping = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            serve(dropping, s -> {
                try (s) {
                    s.getInputStream().read(new byte[8192]); // the request arrives; no answer comes
                }
            });
            try (RegistryWireFormat wire = wireTo(dropping, 5000)) {
                WireFormatUnavailableException e =
                        assertThrows(WireFormatUnavailableException.class, () -> wire.decode("t", framed(7)));
                assertTrue(e.getMessage().contains("did not answer for schema id 7"), e.getMessage());
            }
        }
    }

    private interface Connection {
        void accepted(Socket socket) throws IOException;
    }

    /** Hands each connection {@code server} accepts to {@code connection}, on a daemon thread, until it closes. */
    private static void serve(ServerSocket server, Connection connection) {
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    connection.accepted(server.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static RegistryWireFormat wireTo(ServerSocket registry, long timeoutMillis) {
        return new RegistryWireFormat(Map.of(
                "apicurio.registry.url",
                "http://127.0.0.1:" + registry.getLocalPort() + "/apis/registry/v3",
                RegistryWireFormat.REQUEST_TIMEOUT,
                Long.toString(timeoutMillis)));
    }

    private static byte[] framed(int id) {
        return ByteBuffer.allocate(8)
                .put((byte) 0)
                .putInt(id)
                .put(new byte[] {2, 4, 6})
                .array();
    }
}

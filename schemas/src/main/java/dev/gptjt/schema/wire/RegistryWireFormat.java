package dev.gptjt.schema.wire;

import com.microsoft.kiota.ApiException;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.data.SerdeMetadata;
import io.apicurio.registry.serde.data.SerdeRecord;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Apicurio Registry serdes in Confluent-compatible framing: magic byte 0, a 4-byte schema (content)
 * id, then the binary datum; schemas are registered under the topic's {@code <topic>-value} artifact
 * on first use. Works against Apicurio Registry and, through its compatibility API, Confluent Schema
 * Registry clients' framing.
 */
public final class RegistryWireFormat implements WireFormat {
    private final AvroKafkaSerializer<SpecificRecord> serializer = new AvroKafkaSerializer<>();
    private final AvroKafkaDeserializer<Object> deserializer = new AvroKafkaDeserializer<>();
    /**
     * The longest an encode or decode waits for the registry ({@value #DEFAULT_TIMEOUT_MILLIS} ms unless set). The
     * serdes' HTTP client waits without a limit: a registry that accepts connections and never answers (one shutting
     * down, a hung proxy) would hold the caller — the service's stream thread — for ever.
     */
    public static final String REQUEST_TIMEOUT = "apicurio.registry.request-timeout-ms";

    public static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    /** The serdes' setting for the Vert.x their HTTP client runs on. */
    private static final String VERTX_INSTANCE = "apicurio.registry.vertx.instance";
    /**
     * After the registry failed to answer, calls that need it are refused at once for this long (one call then tries
     * again): a hung registry must not cost every record its own timeout.
     */
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(10);

    private volatile long quietUntil; // System.nanoTime() until which calls needing the registry are refused; 0: none
    /** Registry calls run here, so that the caller can stop waiting; a few hung ones at most. */
    private final ThreadPoolExecutor calls =
            new ThreadPoolExecutor(0, 8, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "gptjt-registry-call");
                t.setDaemon(true);
                return t;
            });

    /** The serdes' HTTP client's Vert.x: this instance's own, closed with it, unless the caller passed one. */
    private final Vertx vertx;

    private final long timeoutMillis;
    private final boolean autoRegister;
    private final Set<Integer> seen = ConcurrentHashMap.newKeySet();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder errors = new LongAdder();

    public RegistryWireFormat(Map<String, ?> registryConfig) {
        if (registryConfig == null || registryConfig.get("apicurio.registry.url") == null) {
            throw new IllegalArgumentException("the registry wire format needs apicurio.registry.url");
        }
        Object timeout = registryConfig.get(REQUEST_TIMEOUT);
        try {
            this.timeoutMillis = timeout == null
                    ? DEFAULT_TIMEOUT_MILLIS
                    : Long.parseLong(timeout.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(REQUEST_TIMEOUT + " must be a number of milliseconds, got " + timeout);
        }
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException(REQUEST_TIMEOUT + " must be positive, got " + timeout);
        }
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.auto-register", "true");
        config.put("apicurio.registry.id-handler", "io.apicurio.registry.serde.Default4ByteIdHandler");
        config.put("apicurio.registry.use-specific-avro-reader", "true");
        // a cached schema whose refresh the registry does not answer stays in use: an outage must not stop the
        // prompts and results whose schemas are already known
        config.put("apicurio.registry.fault-tolerant-refresh", "true");
        config.putAll(registryConfig);
        // without one of their own the serdes share a process-wide Vert.x that nobody closes (and say so on stderr)
        if (config.get(VERTX_INSTANCE) == null) {
            vertx = Vertx.vertx(new VertxOptions().setUseDaemonThread(true)); // never what keeps a process up
            config.put(VERTX_INSTANCE, vertx);
        } else {
            vertx = null;
        }
        this.autoRegister = Boolean.parseBoolean(
                String.valueOf(config.get("apicurio.registry.auto-register")).trim());
        try {
            serializer.configure(config, false);
            deserializer.configure(config, false);
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException also) {
                e.addSuppressed(also);
            }
            throw e;
        }
    }

    @Override
    public byte[] encode(String topic, SpecificRecord record) {
        try {
            return bounded(
                    () -> serializer.serialize(topic, record),
                    "encoding " + record.getSchema().getName() + " for " + topic);
        } catch (WireFormatUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!autoRegister) { // nobody registered the schema yet: nothing is written until someone does
                throw new WireFormatUnavailableException(
                        "no " + record.getSchema().getName() + " schema is registered under " + topic
                                + "-value (auto-register is off); its records wait until it is",
                        e);
            }
            throw new WireFormatException(
                    "cannot encode " + record.getSchema().getName() + " through the registry: " + e.getMessage(), e);
        }
    }

    @Override
    public SpecificRecord decode(String topic, byte[] bytes) {
        if (bytes == null) {
            throw new WireFormatException("record has no value");
        }
        Object value;
        Integer id = bytes.length >= 5 && bytes[0] == 0
                ? ByteBuffer.wrap(bytes, 1, 4).getInt()
                : null;
        if (id != null && !seen.contains(id) && quiet()) {
            errors.increment();
            throw new WireFormatUnavailableException(
                    "the schema registry did not answer lately; schema id " + id + " waits for it", null);
        }
        try {
            value = bounded(() -> deserializer.deserialize(topic, bytes), "for schema id " + id);
        } catch (WireFormatUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            if (id != null && status(e) == 404) {
                throw new WireFormatException("schema id " + id + " is not in the registry", e);
            }
            throw new WireFormatException("not a registry-framed Avro record: " + e.getMessage(), e);
        }
        if (id != null) {
            (seen.add(id) ? misses : hits).increment(); // the serdes cache a schema once fetched
        }
        if (value instanceof SpecificRecord record) {
            return record;
        }
        throw new WireFormatException("registry schema is not one of this project's records: "
                + (value == null ? "null" : value.getClass().getName()));
    }

    /**
     * {@code call}'s result, waiting at most the request timeout: past it, with every call thread taken by hung calls,
     * or when the call failed to reach the registry, a {@link WireFormatUnavailableException} (and calls for unseen
     * schemas are refused for a while); a call's other failures are rethrown as they are.
     */
    private <T> T bounded(Callable<T> call, String what) {
        Future<T> future;
        try {
            future = calls.submit(call);
        } catch (RejectedExecutionException e) {
            errors.increment();
            throw new WireFormatUnavailableException(
                    "the schema registry has not answered " + calls.getMaximumPoolSize() + " calls; not calling it "
                            + what,
                    e);
        }
        try {
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            errors.increment();
            quietUntil = System.nanoTime() + QUIET_NANOS;
            throw new WireFormatUnavailableException(
                    "the schema registry did not answer within " + timeoutMillis + " ms " + what, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new WireFormatUnavailableException("interrupted waiting for the schema registry " + what, e);
        } catch (ExecutionException e) {
            if (unreachable(e.getCause())) {
                errors.increment();
                quietUntil = System.nanoTime() + QUIET_NANOS;
                throw new WireFormatUnavailableException(
                        "the schema registry did not answer " + what + ": " + rootMessage(e.getCause()), e.getCause());
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void prepare(String topic, Schema schema) {
        SpecificRecord empty = (SpecificRecord) KnownSchemas.model().newRecord(null, schema);
        try {
            bounded(
                    () -> serializer
                            .getSchemaResolver()
                            .resolveSchema(new SerdeRecord<>(new SerdeMetadata(topic, false), empty)),
                    "for " + schema.getName() + " under " + topic + "-value");
        } catch (WireFormatUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new WireFormatException(
                    autoRegister
                            ? "the schema registry refused " + schema.getName() + " under " + topic + "-value: "
                                    + rootMessage(e)
                            : "no " + schema.getName() + " schema under " + topic
                                    + "-value in the schema registry (auto-register is off: register it first)",
                    e);
        }
    }

    /** Whether the registry failed to answer less than {@link #QUIET_NANOS} ago. */
    private boolean quiet() {
        long until = quietUntil;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /** Decodes whose writer schema this instance had fetched before: answered from the serdes' cache. */
    public long schemaCacheHits() {
        return hits.sum();
    }

    /** Decodes that fetched their writer schema from the registry. */
    public long schemaCacheMisses() {
        return misses.sum();
    }

    /** Encodes and decodes the registry did not answer ({@link WireFormatUnavailableException}). */
    public long registryErrors() {
        return errors.sum();
    }

    /**
     * Whether {@code e} says the registry could not be reached: a connection or I/O failure, a connection closed
     * before the answer, a timeout, or a server error (5xx) anywhere in its causes.
     */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Vert.x reports a connection closed before the answer (a registry stopping mid-request, a proxy's
            // reset) as its own exceptions, not as IOExceptions
            if (t instanceof IOException
                    || t instanceof TimeoutException
                    || t instanceof HttpClosedException
                    || t instanceof StreamResetException) {
                return true;
            }
            if (t instanceof ApiException api && api.getResponseStatusCode() >= 500) {
                return true;
            }
        }
        return false;
    }

    /** The registry's HTTP status in {@code e}'s causes, or 0. */
    private static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException api) {
                return api.getResponseStatusCode();
            }
        }
        return 0;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public void close() {
        calls.shutdownNow();
        // each closed whatever the others throw (serdes that failed to configure throw on close)
        try {
            serializer.close();
        } finally {
            try {
                deserializer.close();
            } finally {
                closeVertx();
            }
        }
    }

    private void closeVertx() {
        if (vertx == null) {
            return;
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // its threads are daemons: one that does not close in time does not hold the process
        }
    }
}

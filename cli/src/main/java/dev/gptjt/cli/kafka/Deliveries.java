package dev.gptjt.cli.kafka;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Counts the records a producer failed to deliver. {@code KafkaProducer.flush()} waits for every send but
 * throws nothing when one failed; only its future or callback says so, and a command that sends without
 * looking would report records as sent that no broker has.
 */
final class Deliveries implements Callback {
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<Exception> firstError = new AtomicReference<>();

    @Override
    public void onCompletion(RecordMetadata metadata, Exception error) {
        if (error != null) {
            failed.incrementAndGet();
            firstError.compareAndSet(null, error);
        }
    }

    /** Records whose send completed with an error; read after {@code flush()}. */
    int failed() {
        return failed.get();
    }

    /** The first failure's class and message, for a one-line report; empty when none failed. */
    String firstError() {
        Exception e = firstError.get();
        return e == null ? "" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}

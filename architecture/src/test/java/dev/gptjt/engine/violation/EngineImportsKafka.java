package dev.gptjt.engine.violation;

import org.apache.kafka.clients.producer.ProducerRecord;

/** Breaks {@code Layering.ENGINE_USES_NO_FRAMEWORK}: engine code that builds a Kafka record. */
public final class EngineImportsKafka {

    ProducerRecord<String, String> record(String text) {
        return new ProducerRecord<>("gptjt.completions", text);
    }
}

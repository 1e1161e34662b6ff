package dev.gptjt.tasks.violation;

import org.apache.kafka.clients.producer.ProducerRecord;

/** Breaks {@code Layering.TASKS_USE_NO_TRANSPORT_OR_FRONT_END}: a task that writes its own Kafka records. */
public final class TasksImportsKafka {

    ProducerRecord<String, String> result(String topic, String answer) {
        return new ProducerRecord<>(topic, answer);
    }
}

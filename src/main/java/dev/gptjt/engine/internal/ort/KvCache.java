package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxTensor;

/**
 * A running batch's KV cache: per layer, key and value tensors of shape [batch, heads, length, head_size],
 * each row's real tokens right-aligned (left padding, masked). Either a pass's {@code present.*} outputs
 * or a cache {@link KvCacheMerge merged} from several. Closing frees the native tensors.
 */
interface KvCache extends AutoCloseable {
    OnnxTensor key(int layer);

    OnnxTensor value(int layer);

    @Override
    void close();
}

package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

    @Test
    void shouldNeverHandOutTheSameBufferTwiceWhenFreeBuffersHoldEqualBytes() {
        KvCacheMerge.BufferPool pool = new KvCacheMerge.BufferPool();
        ByteBuffer small = ByteBuffer.allocateDirect(1024);
        ByteBuffer large = ByteBuffer.allocateDirect(1024);
        small.limit(512); // equal remaining bytes (zeros): ByteBuffer.equals says they are the same buffer
        large.limit(512);
        pool.give(small);
        pool.give(large);
        ByteBuffer first = pool.take(256);
        ByteBuffer second = pool.take(256);
        assertNotSame(first, second, "one buffer leased to two caches");
    }
}

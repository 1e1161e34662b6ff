package dev.gptjt.engine;

/** Where ONNX Runtime runs the model. */
public enum ExecutionProvider {
    /** ONNX Runtime's default CPU provider; works with the plain {@code onnxruntime} jar. */
    CPU,
    /** NVIDIA CUDA; needs the {@code onnxruntime_gpu} jar ({@code -Pgpu}), CUDA 12 and cuDNN 9. */
    CUDA
}

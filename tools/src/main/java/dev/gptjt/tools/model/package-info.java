/**
 * Model makers: {@link dev.gptjt.tools.model.GptjExportWriter} writes a GPT-J of any shape in the Hugging Face Optimum
 * export layout (random weights for {@code gptjt bench model}, or given ones: the tests' fp16 fixture), fp32 or fp16,
 * streamed tensor by tensor. Uses the engine's public graph builders and contracts.
 */
package dev.gptjt.tools.model;

/**
 * The benchmarks behind {@code gptjt bench}: {@link dev.gptjt.tools.bench.EngineBench} (the engine alone at fixed
 * batch sizes) and its table, {@link dev.gptjt.tools.bench.PipelineBench} (the whole Kafka path against a local
 * cluster), {@link dev.gptjt.tools.bench.LanesBench} (realtime beside a bulk backlog, on the bulk topic and on the
 * prompts topic) and {@link dev.gptjt.tools.bench.ScaleOutBench} (instances joining and leaving under steady load),
 * both over {@link dev.gptjt.tools.bench.Traffic} (prompts in, completions back) and
 * {@link dev.gptjt.tools.bench.BenchCluster} (a broker and service instances),
 * {@link dev.gptjt.tools.bench.CacheBench} (the result cache off and on over a stream of tweets with exact repeats,
 * {@link dev.gptjt.tools.bench.RepeatsWorkload}, sent and read back by {@link dev.gptjt.tools.bench.TaskTraffic}),
 * {@link dev.gptjt.tools.bench.SpanBench} (constrained extraction's mask time and grounding),
 * {@link dev.gptjt.tools.bench.TransferEstimate} (host-device bytes from a model's shapes), ONNX Runtime profiles and
 * PNG charts (JFreeChart). Uses the engine's API, the tasks, the schemas, the Kafka clients and the local cluster.
 */
package dev.gptjt.tools.bench;

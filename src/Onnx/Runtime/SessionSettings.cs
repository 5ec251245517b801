namespace Pipelines.Onnx.Runtime;

/// <summary>Graph optimisation level of an ONNX Runtime session (pin it when comparing quantized outputs to references).</summary>
public enum GraphOptimization
{
    /// <summary>No graph rewrites.</summary>
    Disabled,
    /// <summary>Semantics-preserving rewrites only (constant folding, redundant node removal).</summary>
    Basic,
    /// <summary>Basic plus provider-specific fusions.</summary>
    Extended,
    /// <summary>Everything, including layout changes and quantization fusions (may change numerics slightly).</summary>
    All,
}

/// <summary>How <see cref="OrtSessions"/> creates a session.</summary>
public sealed record SessionSettings
{
    /// <summary>The default: CPU, ORT's default thread counts, all optimisations.</summary>
    public static SessionSettings Default { get; } = new();

    /// <summary>Where the session runs.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>Threads inside one operator; 0 lets ORT choose (one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators; 0 lets ORT choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>The graph optimisation level.</summary>
    public GraphOptimization Optimization { get; init; } = GraphOptimization.All;

    /// <summary>Extra session configuration entries (e.g. <c>session.qdq_matmulnbits_accuracy_level</c>).</summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();

    /// <summary>Writes the optimised graph here when set (for inspection).</summary>
    public string? OptimizedModelPath { get; init; }

    /// <summary>
    /// ORT's CPU arena allocator (default on). Off, every buffer goes straight to malloc/free: a lower peak when tensor
    /// sizes vary, at some cost in speed.
    /// </summary>
    public bool CpuMemoryArena { get; init; } = true;

    /// <summary>
    /// ORT's memory pattern: after the first run one block sized for the whole plan is allocated per input shape, beside
    /// what the arena already holds from that run. Off by default: on the MiniLM LoRA train step it added 430 MB of peak
    /// resident memory (benchmarks/TrainingThroughput); with the arena on, per-op allocation is cheap.
    /// </summary>
    public bool MemoryPattern { get; init; }

    /// <summary>
    /// The CPU arena grows by exactly what is requested (ORT's kSameAsRequested) instead of doubling its next chunk: a
    /// process-wide arena registered once with ONNX Runtime's environment and shared by every session that asks for it.
    /// </summary>
    public bool ExactArenaGrowth { get; init; }

    /// <summary>
    /// ORT pre-packs the constant B matrices of MatMul/Gemm into GEMM panels once, at session creation (default on). The
    /// packed copy lives beside the initializer as long as any other node reads it. Off, each product packs its panels as
    /// it runs (a cost of K·N per product against its M·K·N multiply-adds) and the weights are held once (the MiniLM LoRA
    /// train step: −60 MB peak); MLAS then blocks the inner dimension differently, so sums round differently.
    /// </summary>
    public bool PrepackWeights { get; init; } = true;

    /// <summary>When set, ORT's per-op profiler writes a Chrome-trace JSON file starting with this prefix.</summary>
    public string? ProfilePrefix { get; init; }
}

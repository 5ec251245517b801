using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Report;

/// <summary>How <see cref="ExportEvaluator"/> measures an artifact.</summary>
public sealed record EvaluationOptions
{
    /// <summary>The output compared: <c>[batch, sequence, d]</c> outputs are mean-pooled over the attention mask, <c>[batch, d]</c> used as is.</summary>
    public string Output { get; init; } = "last_hidden_state";

    /// <summary>Session settings used for every latency run (pinned: all optimisations, one intra-op thread by default).</summary>
    public SessionSettings Session { get; init; } = new() { Optimization = GraphOptimization.All, IntraOpThreads = 1, InterOpThreads = 1 };

    /// <summary>Timed runs per model and batch size (after <see cref="WarmupRuns"/>).</summary>
    public int LatencyRuns { get; init; } = 30;

    /// <summary>
    /// Timed runs per model at batch 1 (cheap and the noisiest on a shared machine, so more of them); 0: <see cref="LatencyRuns"/>.
    /// </summary>
    public int LatencyRunsB1 { get; init; } = 200;

    /// <summary>Untimed runs first.</summary>
    public int WarmupRuns { get; init; } = 3;

    /// <summary>Load the artifact through ML.NET's ApplyOnnxModel and compare one example.</summary>
    public bool CheckMlNet { get; init; } = true;

    /// <summary>Maps a pooled embedding to a label (e.g. a head trained on float embeddings); enables label agreement.</summary>
    public Func<float[], int>? Classifier { get; init; }

    /// <summary>
    /// The output <see cref="Classifier"/> reads, one row per example (e.g. a classifier's <c>probabilities</c> <c>[batch, C]</c>);
    /// null: the pooled <see cref="Output"/>.
    /// </summary>
    public string? LabelOutput { get; init; }

    /// <summary>Gold labels of the evaluation examples, in order; enables accuracy.</summary>
    public IReadOnlyList<int>? Labels { get; init; }
}

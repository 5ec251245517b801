using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>Options of <see cref="LowRankAdapterEstimator"/>: the base ONNX model, its column bindings and the initialisation.</summary>
public sealed record LowRankAdapterOptions
{
    /// <summary>The base model file (or set <see cref="Model"/>).</summary>
    public string? ModelPath { get; init; }

    /// <summary>The base model in memory (takes precedence over <see cref="ModelPath"/>).</summary>
    public OnnxModel? Model { get; init; }

    /// <summary>ONNX input names, equal to the input column names they read.</summary>
    public required IReadOnlyList<string> InputColumnNames { get; init; }

    /// <summary>ONNX output names, which become the output column names.</summary>
    public required IReadOnlyList<string> OutputColumnNames { get; init; }

    /// <summary>Fixed shapes for symbolic ONNX dimensions (ML.NET's <c>shapeDictionary</c>), e.g. a sequence length.</summary>
    public IDictionary<string, int[]>? ShapeDictionary { get; init; }

    /// <summary>Rows per EVA calibration batch when the calibration rows come from the fitted data.</summary>
    public int CalibrationBatchSize { get; init; } = 8;

    /// <summary>The initialisation.</summary>
    public LowRankOptions Initialization { get; init; } = new();

    /// <summary>The base model, loaded.</summary>
    /// <exception cref="ArgumentException">Neither a model nor a path was given.</exception>
    public OnnxModel LoadModel() => Model ?? (ModelPath is not null
        ? OnnxModelIO.Load(ModelPath)
        : throw new ArgumentException("Set Model or ModelPath in LowRankAdapterOptions.", nameof(ModelPath)));
}

namespace Pipelines.Export.Report;

/// <summary>
/// Measured figures of one exported artifact against its float model. Latencies are medians over interleaved runs of both
/// models in the same process with the same pinned session settings.
/// </summary>
public sealed record ExportReport
{
    /// <summary>What the artifact is, e.g. <c>int4 block 32 symmetric acc 4</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Bytes on disk (model file plus external data).</summary>
    public required long Bytes { get; init; }

    /// <summary>Bytes on disk of the float model.</summary>
    public required long FloatBytes { get; init; }

    /// <summary>Median latency at batch 1, ms.</summary>
    public required double LatencyMsB1 { get; init; }

    /// <summary>Median latency of the float model at batch 1, ms.</summary>
    public required double FloatLatencyMsB1 { get; init; }

    /// <summary>Median latency at batch 32, ms (NaN when not measured).</summary>
    public required double LatencyMsB32 { get; init; }

    /// <summary>Median latency of the float model at batch 32, ms.</summary>
    public required double FloatLatencyMsB32 { get; init; }

    /// <summary>
    /// Fastest-decile (10th percentile) latency at batch 1, ms: less inflated than the median by other
    /// processes preempting the run on a loaded machine.
    /// </summary>
    public double FastestDecileMsB1 { get; init; } = double.NaN;

    /// <summary>Fastest-decile latency of the float model at batch 1, ms.</summary>
    public double FloatFastestDecileMsB1 { get; init; } = double.NaN;

    /// <summary>Fastest-decile latency at batch 32, ms.</summary>
    public double FastestDecileMsB32 { get; init; } = double.NaN;

    /// <summary>Fastest-decile latency of the float model at batch 32, ms.</summary>
    public double FloatFastestDecileMsB32 { get; init; } = double.NaN;

    /// <summary>Max |artifact − float| over every element of the compared output (real tokens only for 3-D outputs).</summary>
    public required float MaxAbsDiff { get; init; }

    /// <summary>Mean cosine similarity of the (mean-pooled) embeddings to the float model's.</summary>
    public required double MeanCosine { get; init; }

    /// <summary>Smallest cosine similarity seen.</summary>
    public required double MinCosine { get; init; }

    /// <summary>Examples compared.</summary>
    public required int Examples { get; init; }

    /// <summary>Fraction of examples whose predicted label equals the float model's (when a classifier was given).</summary>
    public double? LabelAgreement { get; init; }

    /// <summary>Accuracy of the artifact (when labels were given).</summary>
    public double? Accuracy { get; init; }

    /// <summary>Accuracy of the float model (when labels were given).</summary>
    public double? FloatAccuracy { get; init; }

    /// <summary>Max |ML.NET − ORT| on the first example (the artifact was loaded by ML.NET's ApplyOnnxModel); null when skipped.</summary>
    public float? MlNetMaxAbsDiff { get; init; }

    /// <summary>Why ML.NET's ApplyOnnxModel could not load or run the artifact (null when it did or was not asked).</summary>
    public string? MlNetError { get; init; }

    /// <summary>Size relative to the float model.</summary>
    public double SizeRatio => (double)Bytes / FloatBytes;

    /// <summary>Batch-1 latency relative to the float model.</summary>
    public double LatencyRatioB1 => LatencyMsB1 / FloatLatencyMsB1;

    /// <summary>Fastest-decile batch-1 latency relative to the float model's.</summary>
    public double FastestDecileRatioB1 => FastestDecileMsB1 / FloatFastestDecileMsB1;

    /// <summary>Fastest-decile batch-32 latency relative to the float model's.</summary>
    public double FastestDecileRatioB32 => FastestDecileMsB32 / FloatFastestDecileMsB32;

    /// <summary>Batch-32 latency relative to the float model.</summary>
    public double LatencyRatioB32 => LatencyMsB32 / FloatLatencyMsB32;
}

namespace Pipelines.Export.Quantization;

/// <summary>How activation ranges are calibrated for <see cref="ExportFormat.Int8Qdq"/>.</summary>
public enum CalibrationMethod
{
    /// <summary>The minimum and maximum seen over the sample inputs.</summary>
    MinMax,

    /// <summary>The lower and upper percentiles of the values seen (clips outliers).</summary>
    Percentile,
}

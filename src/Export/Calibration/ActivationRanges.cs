namespace Pipelines.Export.Calibration;

/// <summary>The calibrated range of one activation (always widened to include 0, so 0 is exactly representable).</summary>
/// <param name="Min">Lower end (≤ 0).</param>
/// <param name="Max">Upper end (≥ 0).</param>
public readonly record struct ActivationRange(float Min, float Max);

/// <summary>Calibrated ranges of activations by value name.</summary>
public sealed class ActivationRanges
{
    private readonly Dictionary<string, ActivationRange> _ranges;

    /// <summary>Creates the map.</summary>
    public ActivationRanges(IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = new Dictionary<string, ActivationRange>(ranges, StringComparer.Ordinal);
    }

    /// <summary>Number of activations with a range.</summary>
    public int Count => _ranges.Count;

    /// <summary>The range of <paramref name="valueName"/>, if calibrated.</summary>
    public bool TryGet(string valueName, out ActivationRange range) => _ranges.TryGetValue(valueName, out range);

    /// <summary>All ranges.</summary>
    public IReadOnlyDictionary<string, ActivationRange> All => _ranges;
}

namespace Pipelines.Transforms.Topology;

/// <summary>Which bifiltration a <see cref="TimeSeriesInput"/> builds from a series x of length L.</summary>
public enum SeriesFiltration
{
    /// <summary>
    /// Function-Rips of the delay-embedded cloud (D, τ, S of the input) with the options' codensity: the shape of the
    /// attractor, blind to when things happen.
    /// </summary>
    DelayEmbedding,

    /// <summary>
    /// The series itself as the lower-star bifiltration of its path graph, f1(t) = x(t), f2(t) = t / (L − 1)
    /// (<see cref="Numerics.Topology.GraphBifiltration.OfSeries"/>), once for x (sublevel sets) and once for −x
    /// (superlevel sets): two H0 measures per row, whose Hilbert functions count the runs of {t ≤ b(L − 1) : ±x(t) ≤ a}.
    /// Keeps the time axis that delay embedding forgets. D, τ and S are not used.
    /// </summary>
    SublevelTime,

    /// <summary>
    /// <see cref="SublevelTime"/> of the first difference Δx(t) = x(t + 1) − x(t) (length L − 1): runs of rising and
    /// falling slopes over time.
    /// </summary>
    DifferenceSublevelTime,
}

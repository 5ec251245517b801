using Pipelines.Numerics.Graphs;

namespace Pipelines.Transforms.Graphs;

/// <summary>
/// What a graph needs before the learned part runs: its spectrum (LapPE, SPE) or its fixed encoding (LapPE, RWSE),
/// computed once per graph (in parallel, through an optional cache).
/// </summary>
/// <param name="Spectrum">The kept eigenpairs, or <see langword="null"/> when the encoding needs none.</param>
/// <param name="Fixed">Row-major <c>(n, width)</c> fixed encoding (LapPE/RWSE), or <see langword="null"/>.</param>
public sealed record PrecomputedEncoding(Spectrum? Spectrum, float[]? Fixed)
{
    /// <summary>Precomputes <paramref name="encoding"/> for every graph.</summary>
    public static PrecomputedEncoding[] ComputeMany(
        IReadOnlyList<Graph> graphs, GraphEncoding encoding, SpectrumCache? cache = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encoding);
        encoding.Validate();
        var result = new PrecomputedEncoding[graphs.Count];
        Parallel.For(0, graphs.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i =>
        {
            result[i] = Compute(graphs[i].ToStructure(), encoding, cache);
        });
        return result;
    }

    /// <summary>Precomputes <paramref name="encoding"/> for one graph.</summary>
    public static PrecomputedEncoding Compute(GraphStructure g, GraphEncoding encoding, SpectrumCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(encoding);
        Spectrum Spectrum(SpectrumOptions o) => cache?.GetOrCompute(g, o) ?? LaplacianSpectrum.Compute(g, o);
        if (encoding is LapPeEncoding lap)
        {
            Spectrum s = Spectrum(lap.SpectrumOptions);
            var pe = new float[g.NodeCount * lap.K];
            LaplacianEigenvectorEncoding.Compute(s, lap.K, pe);
            return new PrecomputedEncoding(s, pe);
        }

        if (encoding is RwseEncoding rw)
        {
            var pe = new float[g.NodeCount * rw.Steps];
            RandomWalkEncoding.Compute(g, rw.Steps, pe);
            return new PrecomputedEncoding(null, pe);
        }

        return encoding is SpeEncoding spe
            ? new PrecomputedEncoding(Spectrum(spe.SpectrumOptions), null)
            : new PrecomputedEncoding(null, null);
    }
}

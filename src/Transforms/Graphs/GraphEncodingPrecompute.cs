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
    /// <remarks>Each graph's work is checked against <paramref name="budget"/> (null: <see cref="EncodingBudget.Default"/>) before it starts.</remarks>
    /// <param name="graphs">The graphs.</param>
    /// <param name="encoding">The encoding.</param>
    /// <param name="cache">Spectra already computed (optional).</param>
    /// <param name="maxDegreeOfParallelism">Worker threads (-1: all cores).</param>
    /// <param name="budget">Work budget per graph.</param>
    /// <param name="progress">Receives the graphs done so far (from worker threads, in increasing order of Done).</param>
    /// <param name="cancellationToken">Stops between graphs (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="PipelinesException">Kind <see cref="ErrorKind.Resource"/>: a graph's encoding would exceed the budget (the graph is named).</exception>
    public static PrecomputedEncoding[] ComputeMany(
        IReadOnlyList<Graph> graphs, GraphEncoding encoding, SpectrumCache? cache = null, int maxDegreeOfParallelism = -1, EncodingBudget? budget = null,
        IProgress<Topology.FeaturizationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encoding);
        encoding.Validate();
        var result = new PrecomputedEncoding[graphs.Count];
        int done = 0;
        var reporting = new Lock();
        try
        {
            Parallel.For(0, graphs.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken }, i =>
            {
                try
                {
                    result[i] = Compute(graphs[i].ToStructure(), encoding, cache, budget);
                    if (progress is not null)
                    {
                        lock (reporting)
                        {
                            progress.Report(new Topology.FeaturizationProgress(++done, graphs.Count));
                        }
                    }
                }
                catch (PipelinesException e) when (e.Kind == ErrorKind.Resource)
                {
                    throw new PipelinesException(ErrorKind.Resource, $"Graph {i}: {e.Message}", e);
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<PipelinesException>().FirstOrDefault() is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        return result;
    }

    /// <summary>Precomputes <paramref name="encoding"/> for one graph, within <paramref name="budget"/> (null: <see cref="EncodingBudget.Default"/>).</summary>
    /// <exception cref="PipelinesException">Kind <see cref="ErrorKind.Resource"/>: the work would exceed the budget.</exception>
    public static PrecomputedEncoding Compute(GraphStructure g, GraphEncoding encoding, SpectrumCache? cache = null, EncodingBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(encoding);
        budget ??= EncodingBudget.Default;
        Spectrum Spectrum(SpectrumOptions o) => cache?.GetOrCompute(g, o) ?? LaplacianSpectrum.Compute(g, o, budget);
        if (encoding is LapPeEncoding lap)
        {
            Spectrum s = Spectrum(lap.SpectrumOptions);
            var pe = new float[g.NodeCount * lap.K];
            LaplacianEigenvectorEncoding.Compute(s, lap.K, pe);
            return new PrecomputedEncoding(s, pe);
        }

        if (encoding is RwseEncoding rw)
        {
            budget.EnsureWithin(EncodingBudget.RandomWalkOperations(g, rw.Steps), $"RWSE (k = {rw.Steps}) on a {g.NodeCount:N0}-node graph");
            var pe = new float[g.NodeCount * rw.Steps];
            RandomWalkEncoding.Compute(g, rw.Steps, pe);
            return new PrecomputedEncoding(null, pe);
        }

        return encoding is SpeEncoding spe
            ? new PrecomputedEncoding(Spectrum(spe.SpectrumOptions), null)
            : new PrecomputedEncoding(null, null);
    }
}

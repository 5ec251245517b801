namespace Pipelines.Numerics.Graphs;

/// <summary>
/// The smallest eigenpairs of a graph's symmetric normalised Laplacian, as SPE's <c>pre_transform</c> keeps them:
/// eigenvalues ascending, the trivial <c>λ₁ = 0</c> included; all <c>n</c> pairs under
/// <see cref="SpectrumTruncation.Full"/> up to its node limit, otherwise <c>d ≤ min(n, k)</c> pairs (fewer with an
/// eigengap rule).
/// </summary>
public static class LaplacianSpectrum
{
    /// <summary>Computes the spectrum of one graph within <see cref="EncodingBudget.Default"/>.</summary>
    public static Spectrum Compute(GraphStructure graph, SpectrumOptions options) => Compute(graph, options, EncodingBudget.Default);

    /// <summary>Computes the spectrum of one graph, refusing work over <paramref name="budget"/> before it starts.</summary>
    /// <exception cref="PipelinesException">Kind <see cref="ErrorKind.Resource"/>: the dense solve, or the next Lanczos run, would exceed the budget.</exception>
    public static Spectrum Compute(GraphStructure graph, SpectrumOptions options, EncodingBudget budget)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);
        options.Validate();
        int n = graph.NodeCount;
        // Full keeps every pair up to the node limit (dense: it returns them all anyway); an explicit Lanczos request
        // computes only k pairs, so there Full is the eigengap rule at k.
        bool whole = options.Truncation == SpectrumTruncation.Full && n <= options.FullNodeLimit && options.Solver != EigensolverKind.Lanczos;
        int kMax = whole ? n : Math.Min(n, options.K);
        EigensolverKind solver = options.Solver == EigensolverKind.Auto
            ? (whole || n <= options.DenseNodeLimit ? EigensolverKind.Dense : EigensolverKind.Lanczos)
            : options.Solver;

        double[] values;
        double[] vectors;
        int columns;
        if (solver == EigensolverKind.Lanczos)
        {
            Spectrum s = LanczosEigensolver.Smallest(graph, kMax, new LanczosOptions { Budget = budget });
            values = s.Count < n ? [.. s.Values, s.NextValue] : s.Values;
            vectors = s.Vectors;
            columns = s.Count;
        }
        else
        {
            budget.EnsureWithin(EncodingBudget.DenseEigenOperations(n), $"The dense eigensolver on {EncodingBudget.Describe(graph)}");
            double[] l = NormalizedLaplacian.Dense(graph);
            vectors = solver == EigensolverKind.DenseSingle
                ? DenseSymmetricEigensolver.DecomposeSingle(l, n, out values)
                : DenseSymmetricEigensolver.Decompose(l, n, out values);
            columns = n;
        }

        int d = ChooseCount(values, n, kMax, options);
        var kept = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(vectors, i * columns, kept, i * d, d);
        }

        double next = d < n ? values[d] : double.PositiveInfinity;
        return new Spectrum(n, values[..d], kept, next, solver, Math.Max(0, Math.Min(n, options.K) - d));
    }

    /// <summary>
    /// The number of eigenpairs to keep: <paramref name="kMax"/>, lowered under <see cref="SpectrumTruncation.Eigengap"/>
    /// and <see cref="SpectrumTruncation.Full"/> until <c>λ_{d+1} − λ_d</c> exceeds the degeneracy tolerance (possibly to 0
    /// when the first eigenspace is larger than k).
    /// </summary>
    /// <param name="ascendingValues">At least <c>min(n, kMax+1)</c> eigenvalues, ascending.</param>
    /// <param name="n">Node count.</param>
    /// <param name="kMax"><c>min(n, k)</c>, or <c>n</c> when the full spectrum is kept.</param>
    /// <param name="options">Options.</param>
    public static int ChooseCount(ReadOnlySpan<double> ascendingValues, int n, int kMax, SpectrumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int d = kMax;
        if (options.Truncation != SpectrumTruncation.Fixed && d < n)
        {
            while (d > 0 && ascendingValues[d] - ascendingValues[d - 1] <= options.DegeneracyTolerance)
            {
                d--;
            }
        }

        return d;
    }

    /// <summary>
    /// Spectra of many graphs, in parallel across graphs, optionally through a cache keyed by
    /// <see cref="CanonicalGraphHash"/>. Output order follows input order; results do not depend on the thread count.
    /// </summary>
    public static Spectrum[] ComputeMany(
        IReadOnlyList<GraphStructure> graphs, SpectrumOptions options, SpectrumCache? cache = null, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var result = new Spectrum[graphs.Count];
        var po = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, graphs.Count, po, i =>
        {
            result[i] = cache is null ? Compute(graphs[i], options) : cache.GetOrCompute(graphs[i], options);
        });
        return result;
    }
}

namespace Pipelines.Numerics.Graphs;

/// <summary>Options of <see cref="LanczosEigensolver"/>.</summary>
/// <param name="Seed">Seed of the fixed pseudo-random start vectors (one per restart): same seed, same result.</param>
/// <param name="ResidualTolerance">A Ritz pair is accepted when <c>‖L y − θ y‖ ≤ tolerance</c>.</param>
/// <param name="KrylovDimension">Initial Krylov subspace dimension per run (doubled when nothing converges).</param>
internal sealed record LanczosOptions(int Seed = 20240127, double ResidualTolerance = 1e-10, int KrylovDimension = 48)
{
    /// <summary>Gets the work budget: each run's cost is added up and checked before the run starts.</summary>
    public EncodingBudget Budget { get; init; } = EncodingBudget.Default;
}

/// <summary>
/// Deterministic Lanczos for the smallest eigenpairs of the sparse normalised Laplacian: fixed seeded start vectors,
/// full reorthogonalisation (twice, against the Krylov basis and all locked vectors) and locking of converged Ritz pairs
/// with restarts, so that each copy of a repeated eigenvalue is found by a later run in the deflated space.
/// </summary>
/// <remarks>
/// The zero modes are deflated analytically before the first run: every component with an edge contributes
/// <c>λ = 0</c> with eigenvector <c>D^{1/2}1_C / ‖D^{1/2}1_C‖</c>, and every isolated node <c>λ = 1</c> with <c>e_i</c>.
/// A run ends early at an invariant subspace (β ≈ 0). The solver stops when a fresh run's smallest converged Ritz value is
/// not below the <c>(count+1)</c>-th locked eigenvalue, so <c>λ_{count+1}</c> (and the gap) is reported too.
/// Cost per run O(m·|E| + m²·n) for Krylov dimension m.
/// </remarks>
internal static class LanczosEigensolver
{
    private const double BreakdownTolerance = 1e-12;

    /// <summary>The <paramref name="count"/> smallest eigenpairs (and <c>λ_{count+1}</c>) of <paramref name="graph"/>'s normalised Laplacian.</summary>
    /// <exception cref="InvalidOperationException">The iteration did not converge within its restart budget.</exception>
    public static Spectrum Smallest(GraphStructure graph, int count, LanczosOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options ??= new LanczosOptions();
        int n = graph.NodeCount;
        int d = Math.Min(count, n);
        int target = Math.Min(n, count + 1);
        double[] dis = NormalizedLaplacian.InverseSqrtDegrees(graph);
        var locked = new List<(double Value, double[] Vector)>();
        LockAnalyticModes(graph, locked);

        int krylov = Math.Max(options.KrylovDimension, (2 * target) + 8);
        int maxRuns = n + 16;
        var work = new double[n];
        double nonZeros = n;
        for (int u = 0; u < n; u++)
        {
            nonZeros += graph.Neighbors(u).Length;
        }

        double spent = 0;
        for (int run = 0; run < maxRuns && locked.Count < n; run++)
        {
            int free = n - locked.Count;
            int m = Math.Min(free, krylov);

            // m products with L, twice-repeated reorthogonalisation against the basis and the locked vectors, the Ritz vectors.
            double runCost = m * (nonZeros + (4.0 * (m + locked.Count) * n)) + ((double)m * m * n);
            spent += runCost;
            options.Budget.EnsureWithin(spent, $"LapPE/SPE eigenpairs (k = {count}) by Lanczos on {EncodingBudget.Describe(graph)} (run {run + 1}, Krylov dimension {m}; the spectrum converges slowly)");
            var rng = new Random(options.Seed + run);
            var q0 = new double[n];
            for (int i = 0; i < n; i++)
            {
                q0[i] = rng.NextDouble() - 0.5;
            }

            Orthogonalize(q0, locked, [], 0);
            if (!Normalize(q0))
            {
                continue;
            }

            var basis = new List<double[]> { q0 };
            var alpha = new List<double>();
            var beta = new List<double>();
            bool invariant = false;
            for (int j = 0; j < m; j++)
            {
                double[] qj = basis[j];
                NormalizedLaplacian.Multiply(graph, dis, qj, work);
                var w = (double[])work.Clone();
                double a = Dot(qj, w);
                alpha.Add(a);
                Orthogonalize(w, locked, basis, basis.Count);
                double b = Math.Sqrt(Dot(w, w));
                if (j == m - 1)
                {
                    beta.Add(b);
                    break;
                }

                if (b < BreakdownTolerance)
                {
                    invariant = true;
                    beta.Add(0);
                    break;
                }

                beta.Add(b);
                for (int i = 0; i < n; i++)
                {
                    w[i] /= b;
                }

                basis.Add(w);
            }

            int mm = alpha.Count;
            var t = new double[mm * mm];
            for (int i = 0; i < mm; i++)
            {
                t[(i * mm) + i] = alpha[i];
                if (i + 1 < mm)
                {
                    t[(i * mm) + i + 1] = beta[i];
                    t[((i + 1) * mm) + i] = beta[i];
                }
            }

            double[] s = DenseSymmetricEigensolver.Decompose(t, mm, out double[] theta);
            double lastBeta = invariant || mm == free ? 0 : beta[mm - 1];
            bool Converged(int i) => Math.Abs(lastBeta * s[((mm - 1) * mm) + i]) <= options.ResidualTolerance;

            if (locked.Count >= target && Converged(0))
            {
                double bound = locked.Select(p => p.Value).Order().ElementAt(target - 1);
                if (theta[0] >= bound - SpectrumOptions.DefaultDegeneracyTolerance)
                {
                    break;
                }
            }

            int newlyLocked = 0;
            for (int i = 0; i < mm && Converged(i); i++)
            {
                var y = new double[n];
                for (int r = 0; r < mm; r++)
                {
                    double c = s[(r * mm) + i];
                    double[] qr = basis[r];
                    for (int p = 0; p < n; p++)
                    {
                        y[p] += c * qr[p];
                    }
                }

                Orthogonalize(y, locked, [], 0);
                if (Normalize(y))
                {
                    locked.Add((theta[i], y));
                    newlyLocked++;
                }
            }

            if (newlyLocked == 0)
            {
                krylov = Math.Min(2 * krylov, n);
            }

            if (run == maxRuns - 1 && locked.Count < target)
            {
                throw new InvalidOperationException(
                    $"Lanczos found {locked.Count} of {target} eigenpairs of a {n}-node graph after {maxRuns} runs.");
            }
        }

        var order = locked.Select((p, i) => (p.Value, i)).OrderBy(p => p.Value).ThenBy(p => p.i).Select(p => p.i).ToArray();
        var values = new double[d];
        var vectors = new double[n * d];
        for (int j = 0; j < d; j++)
        {
            (double value, double[] vec) = locked[order[j]];
            values[j] = value;
            for (int i = 0; i < n; i++)
            {
                vectors[(i * d) + j] = vec[i];
            }
        }

        double next = d < n && order.Length > d ? locked[order[d]].Value : double.PositiveInfinity;
        return new Spectrum(n, values, vectors, next, EigensolverKind.Lanczos);
    }

    private static void LockAnalyticModes(GraphStructure graph, List<(double, double[])> locked)
    {
        int n = graph.NodeCount;
        int[] comp = graph.ConnectedComponents(out int c);
        for (int k = 0; k < c; k++)
        {
            var v = new double[n];
            double total = 0;
            int size = 0;
            int first = -1;
            for (int i = 0; i < n; i++)
            {
                if (comp[i] == k)
                {
                    v[i] = Math.Sqrt(graph.WeightedDegrees[i]);
                    total += graph.WeightedDegrees[i];
                    size++;
                    first = first < 0 ? i : first;
                }
            }

            if (size == 1 && total == 0)
            {
                v[first] = 1;
                locked.Add((1.0, v));
                continue;
            }

            double norm = Math.Sqrt(total);
            for (int i = 0; i < n; i++)
            {
                v[i] /= norm;
            }

            locked.Add((0.0, v));
        }
    }

    private static void Orthogonalize(double[] w, List<(double Value, double[] Vector)> locked, List<double[]> basis, int basisCount)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            foreach ((_, double[] q) in locked)
            {
                Axpy(-Dot(q, w), q, w);
            }

            for (int k = 0; k < basisCount; k++)
            {
                Axpy(-Dot(basis[k], w), basis[k], w);
            }
        }
    }

    private static bool Normalize(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        if (norm < BreakdownTolerance)
        {
            return false;
        }

        for (int i = 0; i < v.Length; i++)
        {
            v[i] /= norm;
        }

        return true;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            y[i] += a * x[i];
        }
    }
}

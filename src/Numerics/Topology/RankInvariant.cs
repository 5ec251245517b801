namespace Pipelines.Numerics.Topology;

/// <summary>
/// The rank invariant of a 2-parameter persistence module on an X × Y index grid, in one homology degree:
/// rk(s, t) = rank(M(s) → M(t)) for grid points s ≤ t (0 when s ≰ t). Stored densely, shape (X, Y, X, Y), int32.
/// </summary>
/// <remarks>
/// Computed from one "elbow" path per grid point (I, J): (0, J) → (I, J) → (I, Y − 1). Every comparable pair
/// (i, j) ≤ (k, l) lies on the elbow with corner (k, j), and on that path
/// rk((i, J), (I, l)) = #{bars [β, κ) : β ≤ i, κ &gt; I + l − J} (path coordinates). Cost: X·Y one-parameter
/// reductions plus O((XY)²) to fill the tensor. Botnan, Oppermann, Oudot, Scoccola, "Signed barcodes for
/// multi-parameter persistence via rank decompositions" (2022); Loiseaux et al., NeurIPS 2023.
/// </remarks>
public sealed class RankInvariant
{
    private readonly int[] _ranks;

    internal RankInvariant(int columns, int rows, int degree, int[] ranks)
    {
        Columns = columns;
        Rows = rows;
        Degree = degree;
        _ranks = ranks;
    }

    /// <summary>Gets X, the number of first-parameter grid values.</summary>
    public int Columns { get; }

    /// <summary>Gets Y, the number of second-parameter grid values.</summary>
    public int Rows { get; }

    /// <summary>Gets the homology degree.</summary>
    public int Degree { get; }

    /// <summary>rk((i, j), (k, l)); 0 when the pair is not comparable or outside the grid.</summary>
    /// <param name="i">First coordinate of s.</param>
    /// <param name="j">Second coordinate of s.</param>
    /// <param name="k">First coordinate of t.</param>
    /// <param name="l">Second coordinate of t.</param>
    public int this[int i, int j, int k, int l] =>
        i < 0 || j < 0 || k >= Columns || l >= Rows || i > k || j > l ? 0 : _ranks[Index(i, j, k, l)];

    /// <summary>
    /// Bytes of the dense tensors of <paramref name="degrees"/> degrees on an X × Y grid: 4·(XY)²·degrees, plus the
    /// same again for the signed barcode's Möbius inversion workspace. The pre-flight check of
    /// <see cref="Compute(FunctionRipsBifiltration, FiltrationGrid, FiltrationGrid, int, ComplexBudget?)"/>.
    /// </summary>
    /// <param name="columns">X.</param>
    /// <param name="rows">Y.</param>
    /// <param name="degrees">Number of homology degrees.</param>
    /// <returns>The estimate in bytes.</returns>
    public static long EstimateBytes(int columns, int rows, int degrees)
    {
        double points = (double)columns * rows;
        double bytes = 2.0 * 4.0 * points * points * degrees;
        return bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
    }

    /// <summary>Throws a <see cref="PipelinesException"/> (<see cref="ErrorKind.Resource"/>) when the estimate exceeds the budget.</summary>
    /// <param name="columns">X.</param>
    /// <param name="rows">Y.</param>
    /// <param name="degrees">Number of homology degrees.</param>
    /// <param name="budget">The budget (its <see cref="ComplexBudget.MaxBytes"/> applies).</param>
    public static void EnsureWithin(int columns, int rows, int degrees, ComplexBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        long bytes = EstimateBytes(columns, rows, degrees);
        if (bytes > budget.MaxBytes || (double)columns * rows * columns * rows > Array.MaxLength)
        {
            throw new PipelinesException(
                ErrorKind.Resource,
                $"Rank invariant refused before computing: a {columns}×{rows} grid has {(double)columns * rows * columns * rows:N0} grid-point pairs per degree " +
                $"(O(grid⁴)); {degrees} degree(s) need ~{bytes / (1 << 20):N0} MiB (budget {budget.MaxBytes / (1 << 20):N0} MiB) and {columns * rows:N0} path reductions. " +
                "Lower the grid resolution, or raise the memory budget (--max-mib; ComplexBudget in code).");
        }
    }

    /// <summary>Rank invariants of degrees 0..maxDegree of a function-Rips bifiltration on g1 × g2.</summary>
    /// <param name="bifiltration">The bifiltration.</param>
    /// <param name="g1">Grid of the first parameter (diameter).</param>
    /// <param name="g2">Grid of the second parameter (vertex function).</param>
    /// <param name="maxDegree">Highest homology degree.</param>
    /// <param name="budget">Pre-flight budget (null = default): the O(grid⁴) tensors and the complex.</param>
    /// <returns>One invariant per degree.</returns>
    public static RankInvariant[] Compute(FunctionRipsBifiltration bifiltration, FiltrationGrid g1, FiltrationGrid g2, int maxDegree, ComplexBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(bifiltration);
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDegree);
        ComplexBudget b = budget ?? ComplexBudget.Default;
        EnsureWithin(g1.Count, g2.Count, maxDegree + 1, b);
        if (bifiltration.Distances.Count > 0)
        {
            RipsComplexEstimate.Compute(bifiltration.Distances, MathF.Min(bifiltration.Threshold, g1.Max), maxDegree).EnsureWithin(b);
        }

        if (maxDegree == 0)
        {
            return Compute(BigradedComplex.FromFunctionRips(bifiltration, g1, g2, 1), 0);
        }

        // H0 from the 1-skeleton (vertex births matter); H≥1 from the Rips reducer on each elbow's flag filtration.
        BigradedComplex skeleton = BigradedComplex.FromFunctionRips(bifiltration, g1, g2, 1);
        return Compute(g1.Count, g2.Count, maxDegree, () => ElbowBars(bifiltration, g1, g2, skeleton, maxDegree));
    }

    /// <summary>
    /// Per-thread elbow barcodes of a function-Rips bifiltration. On the elbow with corner (I, J) a simplex of grade
    /// (x, y) enters at g(x, y) = max(ψ(x), φ(y)), ψ(x) = x (∞ if x &gt; I), φ(y) = 0 if y ≤ J else I + y − J: a flag
    /// filtration whose vertices enter at φ(y_v). Putting every vertex at 0 adds isolated points early, which changes
    /// H0 only, so H≥1 comes from <see cref="RipsReducer"/> on the edge values and H0 from the 1-skeleton.
    /// </summary>
    private static Action<int, int, List<(int Degree, int Birth, int Death)>> ElbowBars(FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2, BigradedComplex skeleton, int maxDegree)
    {
        int n = f.Distances.Count;
        int nx = g1.Count;
        int ny = g2.Count;
        float cut = MathF.Min(f.Threshold, g1.Max);
        var level = new int[n];
        var inside = new List<int>();
        for (int v = 0; v < n; v++)
        {
            level[v] = g2.Snap(f.VertexFunction[v]);
            if (level[v] < ny)
            {
                inside.Add(v);
            }
        }

        int m = inside.Count;
        var edgeX = new int[DistanceMatrix.TriangleLength(m)];
        for (int a = 1; a < m; a++)
        {
            long row = ((long)a * (a - 1)) >> 1;
            for (int b = 0; b < a; b++)
            {
                float d = f.Distances[inside[a], inside[b]];
                edgeX[row + b] = d <= cut ? g1.Snap(d) : nx;
            }
        }

        // Strongly filtration-dominated edges change no module, hence no elbow barcode: remove them once for all
        // X·Y elbows (FiltrationDomination).
        var snapped = new float[edgeX.Length];
        for (int k = 0; k < edgeX.Length; k++)
        {
            snapped[k] = edgeX[k];
        }

        FiltrationDomination.Collapse(snapped, [.. inside.Select(v => level[v])], nx);
        for (int k = 0; k < edgeX.Length; k++)
        {
            edgeX[k] = (int)snapped[k];
        }

        var h0 = new PathReducer(skeleton, 0);
        var h0Bars = new List<(int Degree, int Birth, int Death)>();
        return (cI, cJ, bars) =>
        {
            int Value(int x, int y) => x > cI ? -1 : y <= cJ ? x : cI + y - cJ;
            h0.Compute(Value, h0Bars);
            bars.Clear();
            bars.AddRange(h0Bars);
            var values = new float[edgeX.Length];
            for (int a = 1; a < m; a++)
            {
                long row = ((long)a * (a - 1)) >> 1;
                int ya = level[inside[a]];
                for (int b = 0; b < a; b++)
                {
                    int v = Value(edgeX[row + b], Math.Max(ya, level[inside[b]]));
                    values[row + b] = v < 0 ? float.PositiveInfinity : v;
                }
            }

            foreach (PersistencePair p in new RipsReducer(DistanceMatrix.Wrap(m, values), cI + ny, maxDegree).Compute())
            {
                if (p.Dimension >= 1)
                {
                    bars.Add((p.Dimension, (int)p.Birth, p.IsEssential ? int.MaxValue : (int)p.Death));
                }
            }
        };
    }

    /// <summary>Rank invariants of H0 and H1 of a graph bifiltration on g1 × g2.</summary>
    /// <param name="bifiltration">The bifiltration.</param>
    /// <param name="g1">Grid of f1.</param>
    /// <param name="g2">Grid of f2.</param>
    /// <param name="budget">Pre-flight budget (null = default).</param>
    /// <returns>[rk_H0, rk_H1].</returns>
    public static RankInvariant[] Compute(GraphBifiltration bifiltration, FiltrationGrid g1, FiltrationGrid g2, ComplexBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(bifiltration);
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        EnsureWithin(g1.Count, g2.Count, 2, budget ?? ComplexBudget.Default);
        return Compute(BigradedComplex.FromGraph(bifiltration, g1, g2), 1);
    }

    internal static RankInvariant[] Compute(BigradedComplex complex, int maxDegree)
    {
        return Compute(complex.Columns, complex.Rows, maxDegree, () =>
        {
            var reducer = new PathReducer(complex, maxDegree);
            return (cI, cJ, bars) => reducer.Compute((x, y) => x > cI ? -1 : y <= cJ ? x : cI + y - cJ, bars);
        });
    }

    /// <summary>Fills the tensors from the elbow barcodes; <paramref name="threadBars"/> makes one bar computer per thread.</summary>
    private static RankInvariant[] Compute(int nx, int ny, int maxDegree, Func<Action<int, int, List<(int Degree, int Birth, int Death)>>> threadBars)
    {
        var ranks = new int[maxDegree + 1][];
        for (int d = 0; d <= maxDegree; d++)
        {
            ranks[d] = new int[nx * ny * nx * ny];
        }

        // Elbow (I, J) writes exactly the entries rk((i, J), (I, l)), so elbows never share an entry.
        Parallel.For(
            0,
            nx * ny,
            () => (Reducer: threadBars(), Bars: new List<(int Degree, int Birth, int Death)>()),
            (corner, _, state) =>
            {
                int cI = corner / ny;
                int cJ = corner % ny;
                state.Reducer(cI, cJ, state.Bars);
                foreach ((int degree, int birth, int death) in state.Bars)
                {
                    if (birth > cI)
                    {
                        continue; // born on the vertical leg: no horizontal-leg point sees it
                    }

                    // Vertical-leg points (I, l) with I + l − J < death.
                    long lastL = death == int.MaxValue ? ny - 1 : Math.Min(ny - 1, (long)death - 1 - cI + cJ);
                    int[] rk = ranks[degree];
                    for (int i = birth; i <= cI; i++)
                    {
                        for (int l = cJ; l <= lastL; l++)
                        {
                            rk[Index(i, cJ, cI, l, nx, ny)]++;
                        }
                    }
                }

                return state;
            },
            static _ => { });

        var result = new RankInvariant[maxDegree + 1];
        for (int d = 0; d <= maxDegree; d++)
        {
            result[d] = new RankInvariant(nx, ny, d, ranks[d]);
        }

        return result;
    }

    internal int Raw(int i, int j, int k, int l) => _ranks[Index(i, j, k, l)];

    private int Index(int i, int j, int k, int l) => Index(i, j, k, l, Columns, Rows);

    private static int Index(int i, int j, int k, int l, int nx, int ny) => (((((i * ny) + j) * nx) + k) * ny) + l;
}

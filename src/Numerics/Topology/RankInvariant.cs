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

        return Compute(BigradedComplex.FromFunctionRips(bifiltration, g1, g2, maxDegree + 1), maxDegree);
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
        int nx = complex.Columns;
        int ny = complex.Rows;
        var ranks = new int[maxDegree + 1][];
        for (int d = 0; d <= maxDegree; d++)
        {
            ranks[d] = new int[nx * ny * nx * ny];
        }

        // Elbow (I, J) writes exactly the entries rk((i, J), (I, l)), so elbows never share an entry.
        Parallel.For(
            0,
            nx * ny,
            () => (Reducer: new PathReducer(complex, maxDegree), Bars: new List<(int Degree, int Birth, int Death)>()),
            (corner, _, state) =>
            {
                int cI = corner / ny;
                int cJ = corner % ny;
                state.Reducer.Compute((x, y) => x > cI ? -1 : y <= cJ ? x : cI + y - cJ, state.Bars);
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

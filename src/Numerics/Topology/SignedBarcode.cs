namespace Pipelines.Numerics.Topology;

/// <summary>
/// A signed rectangle w·[a, b] of a rank decomposition: the rank function of the rectangle module supported on the
/// closed grid box a ≤ x ≤ b, with integer multiplicity w. Grid indices; the death corner b is inclusive (the last
/// grid point where the class is alive; b on the grid's upper edge means "alive to the end of the grid").
/// </summary>
/// <param name="BirthI">a₁.</param>
/// <param name="BirthJ">a₂.</param>
/// <param name="DeathI">b₁ ≥ a₁.</param>
/// <param name="DeathJ">b₂ ≥ a₂.</param>
/// <param name="Weight">w ≠ 0.</param>
public readonly record struct SignedRectangle(int BirthI, int BirthJ, int DeathI, int DeathJ, int Weight);

/// <summary>
/// The minimal rank decomposition by rectangles of a rank invariant (the signed barcode):
/// rk(s, t) = Σ_{a ≤ s, t ≤ b} c(a, b) for every s ≤ t, with c obtained by Möbius inversion on P × P^op,
/// c(a, b) = Σ_{ε, η ∈ {0,1}²} (−1)^{|ε|+|η|} rk(a − ε, b + η) (16 terms, rk = 0 outside the grid).
/// </summary>
/// <remarks>
/// Botnan, Oppermann, Oudot, Scoccola, "Signed barcodes for multi-parameter persistence via rank decompositions"
/// (SoCG 2022); as a measure on ℝ⁴, Loiseaux, Scoccola, Carrière, Botnan, Oudot, "Stable vectorization of
/// multiparameter persistent homology using signed barcodes as measures" (NeurIPS 2023).
/// </remarks>
public sealed class SignedBarcode
{
    private readonly SignedRectangle[] _rectangles;

    private SignedBarcode(int columns, int rows, int degree, SignedRectangle[] rectangles)
    {
        Columns = columns;
        Rows = rows;
        Degree = degree;
        _rectangles = rectangles;
    }

    /// <summary>Gets X.</summary>
    public int Columns { get; }

    /// <summary>Gets Y.</summary>
    public int Rows { get; }

    /// <summary>Gets the homology degree.</summary>
    public int Degree { get; }

    /// <summary>Gets the non-zero rectangles, ordered by (a₁, a₂, b₁, b₂).</summary>
    public ReadOnlySpan<SignedRectangle> Rectangles => _rectangles;

    /// <summary>Gets Σ |w|.</summary>
    public long TotalVariation => _rectangles.Sum(static r => (long)Math.Abs(r.Weight));

    /// <summary>Möbius inversion of a rank invariant. O((XY)²·16).</summary>
    /// <param name="rank">The rank invariant.</param>
    /// <returns>The signed barcode.</returns>
    public static SignedBarcode FromRankInvariant(RankInvariant rank)
    {
        ArgumentNullException.ThrowIfNull(rank);
        int nx = rank.Columns;
        int ny = rank.Rows;
        var rectangles = new List<SignedRectangle>();
        for (int a1 = 0; a1 < nx; a1++)
        {
            for (int a2 = 0; a2 < ny; a2++)
            {
                for (int b1 = a1; b1 < nx; b1++)
                {
                    for (int b2 = a2; b2 < ny; b2++)
                    {
                        // Terms outside the grid vanish (the indexer returns 0); a − ε ≤ a ≤ b ≤ b + η are comparable.
                        int c =
                            rank[a1, a2, b1, b2] - rank[a1 - 1, a2, b1, b2] - rank[a1, a2 - 1, b1, b2] + rank[a1 - 1, a2 - 1, b1, b2]
                            - rank[a1, a2, b1 + 1, b2] + rank[a1 - 1, a2, b1 + 1, b2] + rank[a1, a2 - 1, b1 + 1, b2] - rank[a1 - 1, a2 - 1, b1 + 1, b2]
                            - rank[a1, a2, b1, b2 + 1] + rank[a1 - 1, a2, b1, b2 + 1] + rank[a1, a2 - 1, b1, b2 + 1] - rank[a1 - 1, a2 - 1, b1, b2 + 1]
                            + rank[a1, a2, b1 + 1, b2 + 1] - rank[a1 - 1, a2, b1 + 1, b2 + 1] - rank[a1, a2 - 1, b1 + 1, b2 + 1] + rank[a1 - 1, a2 - 1, b1 + 1, b2 + 1];
                        if (c != 0)
                        {
                            rectangles.Add(new SignedRectangle(a1, a2, b1, b2, c));
                        }
                    }
                }
            }
        }

        return new SignedBarcode(nx, ny, rank.Degree, [.. rectangles]);
    }

    /// <summary>Re-sums the rectangles: Σ_{a ≤ s, t ≤ b} c(a, b), the rank the barcode assigns to s ≤ t.</summary>
    /// <param name="i">s₁.</param>
    /// <param name="j">s₂.</param>
    /// <param name="k">t₁.</param>
    /// <param name="l">t₂.</param>
    /// <returns>The rank (0 when s ≰ t).</returns>
    public long RankAt(int i, int j, int k, int l)
    {
        if (i > k || j > l)
        {
            return 0;
        }

        long sum = 0;
        foreach (SignedRectangle r in _rectangles)
        {
            if (r.BirthI <= i && r.BirthJ <= j && k <= r.DeathI && l <= r.DeathJ)
            {
                sum += r.Weight;
            }
        }

        return sum;
    }

    /// <summary>
    /// The rectangles as weighted points (a₁, a₂, b₁, b₂) of ℝ⁴ in filtration units (grid values), mapped into the
    /// unit hypercube by <paramref name="box"/> (births and deaths alike): shape (k, 4) row-major, plus k weights.
    /// </summary>
    /// <param name="g1">First-parameter grid.</param>
    /// <param name="g2">Second-parameter grid.</param>
    /// <param name="box">The box mapped onto the unit square (per parameter).</param>
    /// <returns>Coordinates (k·4) and weights (k).</returns>
    public (float[] Points, float[] Weights) ToUnitPoints(FiltrationGrid g1, FiltrationGrid g2, MeasureBox box)
    {
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        var points = new float[_rectangles.Length * 4];
        var weights = new float[_rectangles.Length];
        for (int r = 0; r < _rectangles.Length; r++)
        {
            SignedRectangle s = _rectangles[r];
            points[(4 * r) + 0] = box.U(g1.Values[s.BirthI]);
            points[(4 * r) + 1] = box.V(g2.Values[s.BirthJ]);
            points[(4 * r) + 2] = box.U(g1.Values[s.DeathI]);
            points[(4 * r) + 3] = box.V(g2.Values[s.DeathJ]);
            weights[r] = s.Weight;
        }

        return (points, weights);
    }
}

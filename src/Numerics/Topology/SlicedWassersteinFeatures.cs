namespace Pipelines.Numerics.Topology;

/// <summary>
/// Fixed-length sliced-Wasserstein features of a signed measure: for L fixed directions θ_l = (cos φ_l, sin φ_l),
/// φ_l = π(l + ½)/L, the projected signed CDF F_l(t) = Σ_k w_k 1[⟨θ_l, (u_k, v_k)⟩ ≤ t] is integrated over T equal
/// bins of the projection of the unit square: φ[l, m] = (1/L) ∫_{bin m} F_l(t) dt.
/// </summary>
/// <remarks>
/// For measures of equal mass, ‖φ(μ) − φ(ν)‖₁ ≤ (1/L) Σ_l ∫ |F_{μ,l} − F_{ν,l}| = the sliced 1-Wasserstein distance
/// SW(μ, ν) = (1/L) Σ_l W1(θ_l#(μ+ + ν−), θ_l#(ν+ + μ−)) (Carrière–Cuturi–Oudot 2017; signed version: Loiseaux et al.
/// 2023), with equality when F_{μ,l} − F_{ν,l} keeps its sign inside each bin; projections are 1-Lipschitz, so
/// moving atoms by δ_k changes φ by at most Σ_k |w_k|·‖δ_k‖ in ℓ1. The kernel exp(−‖φ(μ) − φ(ν)‖₁ / 2σ²) is positive
/// definite (ℓ1 is conditionally negative definite).
/// </remarks>
public static class SlicedWassersteinFeatures
{
    /// <summary>Computes the features into <paramref name="destination"/> (length L·T, row-major (l, m)).</summary>
    /// <param name="atoms">Atoms in filtration units.</param>
    /// <param name="box">Box mapped onto the unit square.</param>
    /// <param name="directions">L ≥ 1.</param>
    /// <param name="bins">T ≥ 1.</param>
    /// <param name="destination">Output, length L·T.</param>
    public static void Compute(ReadOnlySpan<MeasureAtom> atoms, MeasureBox box, int directions, int bins, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(directions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (destination.Length != directions * bins)
        {
            throw new ArgumentException($"Destination has {destination.Length} values, expected {directions * bins}.", nameof(destination));
        }

        destination.Clear();
        for (int l = 0; l < directions; l++)
        {
            double phi = Math.PI * (l + 0.5) / directions;
            double c = Math.Cos(phi);
            double s = Math.Sin(phi);
            double lo = Math.Min(0, c) + Math.Min(0, s);
            double hi = Math.Max(0, c) + Math.Max(0, s);
            double width = (hi - lo) / bins;
            Span<float> row = destination.Slice(l * bins, bins);
            foreach (MeasureAtom atom in atoms)
            {
                double t = (c * box.U(atom.X)) + (s * box.V(atom.Y));
                for (int m = 0; m < bins; m++)
                {
                    double a = lo + (m * width);
                    double b = a + width;
                    double covered = b - Math.Max(a, t);
                    if (covered > 0)
                    {
                        row[m] += (float)(atom.Weight * Math.Min(covered, width) / directions);
                    }
                }
            }
        }
    }

    /// <summary>ℓ1 distance between two feature vectors (≈ sliced Wasserstein distance).</summary>
    /// <param name="x">Features of μ.</param>
    /// <param name="y">Features of ν.</param>
    /// <returns>Σ |x_i − y_i|.</returns>
    public static double Distance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Feature lengths differ: {x.Length} vs {y.Length}.", nameof(y));
        }

        double d = 0;
        for (int i = 0; i < x.Length; i++)
        {
            d += Math.Abs(x[i] - y[i]);
        }

        return d;
    }

    /// <summary>Sliced-Wasserstein kernel exp(−SW / 2σ²).</summary>
    /// <param name="x">Features of μ.</param>
    /// <param name="y">Features of ν.</param>
    /// <param name="sigma">σ &gt; 0.</param>
    /// <returns>Kernel value in (0, 1].</returns>
    public static double Kernel(ReadOnlySpan<float> x, ReadOnlySpan<float> y, double sigma) => Math.Exp(-Distance(x, y) / (2 * sigma * sigma));
}

namespace Pipelines.Numerics.Topology;

/// <summary>What one-parameter vectorizations do with essential (infinite) intervals.</summary>
public enum InfiniteBarPolicy
{
    /// <summary>Essential intervals are ignored.</summary>
    Drop,

    /// <summary>Essential intervals die at the clip value (e.g. the fitted range end).</summary>
    Clip,
}

/// <summary>Weight of a diagram point in a persistence image.</summary>
public enum PersistenceImageWeight
{
    /// <summary>w = 1.</summary>
    Constant,

    /// <summary>w = persistence d − b (points on the diagonal weigh 0: the image is stable, Adams et al. 2017).</summary>
    Persistence,
}

/// <summary>
/// One-parameter diagram vectorizations (all sampled, not integrated, at grid points):
/// persistence image (Adams et al., JMLR 2017), persistence landscapes (Bubenik, JMLR 2015), the Betti curve,
/// silhouettes and persistent entropy. GUDHI's <c>gudhi.representations</c> is the reference (its landscapes and
/// silhouettes carry an extra factor √2, the tents being measured in rotated coordinates; these do not).
/// Coordinates are filtration units (e.g. distances for Rips).
/// </summary>
public static class DiagramVectorizers
{
    /// <summary>
    /// Persistence image: pixel (a, b) at birth x_a and persistence y_b (evenly spaced over [birthLo, birthHi] and
    /// [0, persistenceHi], r values each) holds Σ_p w(p) exp(−((x_a − b_p)² + (y_b − (d_p − b_p))²)/2σ²)/(2πσ²).
    /// </summary>
    /// <param name="pairs">Intervals of one degree.</param>
    /// <param name="birthLo">Smallest birth sampled.</param>
    /// <param name="birthHi">Largest birth sampled.</param>
    /// <param name="persistenceHi">Largest persistence sampled.</param>
    /// <param name="resolution">r (pixels per axis).</param>
    /// <param name="sigma">Gaussian σ in filtration units (a standard deviation, not a variance).</param>
    /// <param name="weight">Point weight.</param>
    /// <param name="infinite">Infinite-bar policy.</param>
    /// <param name="clipValue">Death used for essential intervals under <see cref="InfiniteBarPolicy.Clip"/>.</param>
    /// <param name="destination">Output, length r², row-major (birth, persistence).</param>
    public static void PersistenceImage(ReadOnlySpan<PersistencePair> pairs, float birthLo, float birthHi, float persistenceHi, int resolution, float sigma, PersistenceImageWeight weight, InfiniteBarPolicy infinite, float clipValue, Span<float> destination)
    {
        CheckDestination(destination, resolution * resolution);
        destination.Clear();
        double inv2s2 = 1.0 / (2.0 * sigma * sigma);
        double norm = 1.0 / (2 * Math.PI * sigma * sigma);
        foreach (PersistencePair p in pairs)
        {
            if (!Resolve(p, infinite, clipValue, out float death))
            {
                continue;
            }

            double pers = death - p.Birth;
            double w = weight == PersistenceImageWeight.Constant ? 1.0 : pers;
            for (int a = 0; a < resolution; a++)
            {
                double x = Sample(birthLo, birthHi, a, resolution);
                double gx = Math.Exp(-(x - p.Birth) * (x - p.Birth) * inv2s2);
                for (int b = 0; b < resolution; b++)
                {
                    double y = Sample(0, persistenceHi, b, resolution);
                    destination[(a * resolution) + b] += (float)(w * norm * gx * Math.Exp(-(y - pers) * (y - pers) * inv2s2));
                }
            }
        }
    }

    /// <summary>
    /// Persistence landscapes λ_1..λ_K sampled at r evenly spaced t in [lo, hi]: λ_k(t) = k-th largest of
    /// max(0, min(t − b, d − t)) over the intervals. Stable: ‖λ_k(D) − λ_k(D')‖_∞ ≤ d_B(D, D').
    /// </summary>
    /// <param name="pairs">Intervals of one degree.</param>
    /// <param name="lo">First sample.</param>
    /// <param name="hi">Last sample.</param>
    /// <param name="resolution">r.</param>
    /// <param name="layers">K.</param>
    /// <param name="infinite">Infinite-bar policy.</param>
    /// <param name="clipValue">Death used for essential intervals under <see cref="InfiniteBarPolicy.Clip"/>.</param>
    /// <param name="destination">Output, length K·r, row-major (k, t).</param>
    public static void Landscape(ReadOnlySpan<PersistencePair> pairs, float lo, float hi, int resolution, int layers, InfiniteBarPolicy infinite, float clipValue, Span<float> destination)
    {
        CheckDestination(destination, layers * resolution);
        destination.Clear();
        var tents = new List<float>(pairs.Length);
        for (int a = 0; a < resolution; a++)
        {
            double t = Sample(lo, hi, a, resolution);
            tents.Clear();
            foreach (PersistencePair p in pairs)
            {
                if (Resolve(p, infinite, clipValue, out float death))
                {
                    double v = Math.Min(t - p.Birth, death - t);
                    if (v > 0)
                    {
                        tents.Add((float)v);
                    }
                }
            }

            tents.Sort(static (x, y) => y.CompareTo(x));
            for (int k = 0; k < Math.Min(layers, tents.Count); k++)
            {
                destination[(k * resolution) + a] = tents[k];
            }
        }
    }

    /// <summary>Betti curve β(t) = #{intervals with b ≤ t &lt; d} at r evenly spaced t in [lo, hi] (essential intervals count unless dropped).</summary>
    /// <param name="pairs">Intervals of one degree.</param>
    /// <param name="lo">First sample.</param>
    /// <param name="hi">Last sample.</param>
    /// <param name="resolution">r.</param>
    /// <param name="infinite">Infinite-bar policy.</param>
    /// <param name="clipValue">Death used for essential intervals under <see cref="InfiniteBarPolicy.Clip"/>.</param>
    /// <param name="destination">Output, length r.</param>
    public static void BettiCurve(ReadOnlySpan<PersistencePair> pairs, float lo, float hi, int resolution, InfiniteBarPolicy infinite, float clipValue, Span<float> destination)
    {
        CheckDestination(destination, resolution);
        destination.Clear();
        foreach (PersistencePair p in pairs)
        {
            if (!Resolve(p, infinite, clipValue, out float death))
            {
                continue;
            }

            for (int a = 0; a < resolution; a++)
            {
                double t = Sample(lo, hi, a, resolution);
                if (p.Birth <= t && t < death)
                {
                    destination[a] += 1f;
                }
            }
        }
    }

    /// <summary>
    /// Power-weighted silhouette (Chazal, Fasy, Lecci, Rinaldo, Wasserman 2014) sampled at r evenly spaced t in
    /// [lo, hi]: φ(t) = Σ_p w_p Λ_p(t) / Σ_p w_p with the tent Λ_p(t) = max(0, min(t − b, d − t)) and w_p = 1
    /// (<see cref="PersistenceImageWeight.Constant"/>) or d − b (<see cref="PersistenceImageWeight.Persistence"/>).
    /// All zeros for an empty diagram.
    /// </summary>
    /// <param name="pairs">Intervals of one degree.</param>
    /// <param name="lo">First sample.</param>
    /// <param name="hi">Last sample.</param>
    /// <param name="resolution">r.</param>
    /// <param name="weight">Point weight.</param>
    /// <param name="infinite">Infinite-bar policy.</param>
    /// <param name="clipValue">Death used for essential intervals under <see cref="InfiniteBarPolicy.Clip"/>.</param>
    /// <param name="destination">Output, length r.</param>
    public static void Silhouette(ReadOnlySpan<PersistencePair> pairs, float lo, float hi, int resolution, PersistenceImageWeight weight, InfiniteBarPolicy infinite, float clipValue, Span<float> destination)
    {
        CheckDestination(destination, resolution);
        destination.Clear();
        var sums = new double[resolution];
        double total = 0;
        foreach (PersistencePair p in pairs)
        {
            if (!Resolve(p, infinite, clipValue, out float death))
            {
                continue;
            }

            double w = weight == PersistenceImageWeight.Constant ? 1.0 : death - p.Birth;
            total += w;
            for (int a = 0; a < resolution; a++)
            {
                double t = Sample(lo, hi, a, resolution);
                double v = Math.Min(t - p.Birth, death - t);
                if (v > 0)
                {
                    sums[a] += w * v;
                }
            }
        }

        if (total > 0)
        {
            for (int a = 0; a < resolution; a++)
            {
                destination[a] = (float)(sums[a] / total);
            }
        }
    }

    /// <summary>
    /// Persistent entropy E = −Σ_p ℓ_p/L · log(ℓ_p/L), ℓ_p = d − b, L = Σ_p ℓ_p (Chintakunta et al. 2015; Atienza et
    /// al. 2019); 0 for an empty diagram. Natural logarithm.
    /// </summary>
    /// <param name="pairs">Intervals of one degree.</param>
    /// <param name="infinite">Infinite-bar policy.</param>
    /// <param name="clipValue">Death used for essential intervals under <see cref="InfiniteBarPolicy.Clip"/>.</param>
    /// <returns>The entropy.</returns>
    public static double Entropy(ReadOnlySpan<PersistencePair> pairs, InfiniteBarPolicy infinite, float clipValue)
    {
        double total = 0;
        foreach (PersistencePair p in pairs)
        {
            if (Resolve(p, infinite, clipValue, out float death))
            {
                total += death - p.Birth;
            }
        }

        if (!(total > 0))
        {
            return 0;
        }

        double e = 0;
        foreach (PersistencePair p in pairs)
        {
            if (Resolve(p, infinite, clipValue, out float death) && death > p.Birth)
            {
                double q = (death - p.Birth) / total;
                e -= q * Math.Log(q);
            }
        }

        return e;
    }

    private static bool Resolve(PersistencePair p, InfiniteBarPolicy policy, float clip, out float death)
    {
        death = p.Death;
        if (!p.IsEssential)
        {
            return true;
        }

        if (policy == InfiniteBarPolicy.Drop)
        {
            return false;
        }

        death = Math.Max(clip, p.Birth);
        return true;
    }

    private static double Sample(double lo, double hi, int a, int r) => r == 1 ? lo : lo + ((hi - lo) * a / (r - 1));

    private static void CheckDestination(Span<float> destination, int expected)
    {
        if (destination.Length != expected)
        {
            throw new ArgumentException($"Destination has {destination.Length} values, expected {expected}.", nameof(destination));
        }
    }
}

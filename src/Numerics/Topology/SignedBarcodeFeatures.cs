namespace Pipelines.Numerics.Topology;

/// <summary>
/// Fixed-length vectors of a signed barcode seen as the signed point measure μ = Σ_r w_r δ_(a_r, b_r) on ℝ⁴ (births
/// then deaths, each mapped into the unit square by a <see cref="MeasureBox"/>): the ℝ⁴ versions of
/// <see cref="SignedMeasureConvolution"/> and <see cref="SlicedWassersteinFeatures"/>.
/// </summary>
/// <remarks>
/// Both maps are linear in μ and Lipschitz in the atom positions, so they inherit the Kantorovich–Rubinstein stability
/// of the rank decomposition (Loiseaux et al., NeurIPS 2023, rank invariant case).
/// </remarks>
public static class SignedBarcodeFeatures
{
    /// <summary>Seed of the fixed sliced-Wasserstein directions on S³ (documented so features are reproducible).</summary>
    public const int DirectionSeed = 20231201;

    /// <summary>Length of the convolution vector for output resolution r: (r(r+1)/2)², the pairs s ≤ t of an r × r grid.</summary>
    /// <param name="resolution">r.</param>
    /// <returns>The length.</returns>
    public static int ConvolutionLength(int resolution) => (resolution * (resolution + 1) / 2) * (resolution * (resolution + 1) / 2);

    /// <summary>
    /// Gaussian convolution sampled at the comparable pairs (s, t), s ≤ t, of the r × r grid s_a = a/(r − 1) of the
    /// unit square: v(s, t) = Σ_r w_r K_σ(s₁ − a₁) K_σ(s₂ − a₂) K_σ(t₁ − b₁) K_σ(t₂ − b₂), K_σ the 1-D normal density.
    /// Layout: index p₁·P + p₂ with p₁ enumerating (s₁ ≤ t₁) and p₂ enumerating (s₂ ≤ t₂) row-major, P = r(r+1)/2.
    /// </summary>
    /// <param name="points">Unit-cube points (k, 4), row-major.</param>
    /// <param name="weights">k weights.</param>
    /// <param name="resolution">r ≥ 1.</param>
    /// <param name="sigma">σ &gt; 0 (unit-square units).</param>
    /// <param name="destination">Output, length <see cref="ConvolutionLength"/>.</param>
    public static void Convolution(ReadOnlySpan<float> points, ReadOnlySpan<float> weights, int resolution, float sigma, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        if (!(sigma > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The bandwidth must be positive.");
        }

        CheckPoints(points, weights);
        int pairs = resolution * (resolution + 1) / 2;
        if (destination.Length != pairs * pairs)
        {
            throw new ArgumentException($"Destination has {destination.Length} values, expected {pairs * pairs}.", nameof(destination));
        }

        destination.Clear();
        var k = new float[4][];
        for (int c = 0; c < 4; c++)
        {
            k[c] = new float[resolution];
        }

        var first = new float[pairs];
        var second = new float[pairs];
        double norm = 1.0 / (sigma * Math.Sqrt(2 * Math.PI));
        double inv2s2 = 1.0 / (2.0 * sigma * sigma);
        for (int r = 0; r < weights.Length; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                float x = points[(4 * r) + c];
                for (int a = 0; a < resolution; a++)
                {
                    double s = resolution == 1 ? 0.0 : (double)a / (resolution - 1);
                    k[c][a] = (float)(norm * Math.Exp(-(s - x) * (s - x) * inv2s2));
                }
            }

            // Parameter 1 pairs (s₁ ≤ t₁) use coordinates 0 (birth) and 2 (death); parameter 2 uses 1 and 3.
            int p = 0;
            for (int a = 0; a < resolution; a++)
            {
                for (int b = a; b < resolution; b++, p++)
                {
                    first[p] = weights[r] * k[0][a] * k[2][b];
                    second[p] = k[1][a] * k[3][b];
                }
            }

            for (int p1 = 0; p1 < pairs; p1++)
            {
                float f = first[p1];
                Span<float> row = destination.Slice(p1 * pairs, pairs);
                for (int p2 = 0; p2 < pairs; p2++)
                {
                    row[p2] += f * second[p2];
                }
            }
        }
    }

    /// <summary>
    /// Sliced-Wasserstein features in ℝ⁴: for L fixed unit directions θ_l (Gaussian, seed <see cref="DirectionSeed"/>)
    /// the projected signed CDF F_l(t) = Σ_r w_r 1[⟨θ_l, x_r⟩ ≤ t] integrated over T equal bins of the projection of
    /// the unit hypercube, divided by L. Row-major (l, m), length L·T; ℓ1 distances approximate the signed sliced
    /// 1-Wasserstein distance as in <see cref="SlicedWassersteinFeatures"/>.
    /// </summary>
    /// <param name="points">Unit-cube points (k, 4), row-major.</param>
    /// <param name="weights">k weights.</param>
    /// <param name="directions">L ≥ 1.</param>
    /// <param name="bins">T ≥ 1.</param>
    /// <param name="destination">Output, length L·T.</param>
    public static void SlicedWasserstein(ReadOnlySpan<float> points, ReadOnlySpan<float> weights, int directions, int bins, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(directions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        CheckPoints(points, weights);
        if (destination.Length != directions * bins)
        {
            throw new ArgumentException($"Destination has {destination.Length} values, expected {directions * bins}.", nameof(destination));
        }

        destination.Clear();
        double[] theta = Directions(directions);
        for (int l = 0; l < directions; l++)
        {
            ReadOnlySpan<double> t4 = theta.AsSpan(4 * l, 4);
            double lo = 0;
            double hi = 0;
            foreach (double c in t4)
            {
                lo += Math.Min(0, c);
                hi += Math.Max(0, c);
            }

            double width = (hi - lo) / bins;
            Span<float> row = destination.Slice(l * bins, bins);
            for (int r = 0; r < weights.Length; r++)
            {
                double t = 0;
                for (int c = 0; c < 4; c++)
                {
                    t += t4[c] * points[(4 * r) + c];
                }

                for (int m = 0; m < bins; m++)
                {
                    double a = lo + (m * width);
                    double covered = a + width - Math.Max(a, t);
                    if (covered > 0)
                    {
                        row[m] += (float)(weights[r] * Math.Min(covered, width) / directions);
                    }
                }
            }
        }
    }

    /// <summary>The L unit directions of S³ used by <see cref="SlicedWasserstein"/>, (L, 4) row-major.</summary>
    /// <param name="count">L.</param>
    /// <returns>The directions.</returns>
    public static double[] Directions(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(DirectionSeed);
        var theta = new double[4 * count];
        for (int l = 0; l < count; l++)
        {
            double norm = 0;
            for (int c = 0; c < 4; c++)
            {
                // Box–Muller: a normal vector normalised is uniform on the sphere.
                double g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                theta[(4 * l) + c] = g;
                norm += g * g;
            }

            norm = Math.Sqrt(norm);
            for (int c = 0; c < 4; c++)
            {
                theta[(4 * l) + c] /= norm;
            }
        }

        return theta;
    }

    private static void CheckPoints(ReadOnlySpan<float> points, ReadOnlySpan<float> weights)
    {
        if (points.Length != 4 * weights.Length)
        {
            throw new ArgumentException($"{points.Length} coordinates for {weights.Length} weights; expected (k, 4) points.", nameof(points));
        }
    }
}

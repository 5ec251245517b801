namespace Pipelines.Numerics.Topology;

/// <summary>
/// Gaussian convolution of a signed measure evaluated on an r × r output grid over the unit square:
/// v(a, b) = Σ_k w_k K_σ(s_a − u_k) K_σ(s_b − v_k), s_a = a/(r − 1), (u_k, v_k) the atom mapped by a
/// <see cref="MeasureBox"/>, K_σ(z) = exp(−z²/2σ²)/(σ√(2π)) (σ in unit-square units).
/// </summary>
/// <remarks>
/// Stability: K_σ ⊗ K_σ is Lipschitz with constant <see cref="LipschitzConstant"/> = e^{−1/2}/(2πσ³) for the Euclidean
/// norm, so every output changes by at most that constant times Σ_k |w_k|·‖Δ(u_k, v_k)‖ when atoms move
/// (Kantorovich–Rubinstein). Separable: cost O(#atoms · r).
/// </remarks>
public static class SignedMeasureConvolution
{
    /// <summary>Lipschitz constant of the 2-D kernel K_σ(z1)K_σ(z2) w.r.t. the Euclidean norm: e^{−1/2}/(2πσ³).</summary>
    /// <param name="sigma">Bandwidth σ.</param>
    /// <returns>The constant.</returns>
    public static double LipschitzConstant(float sigma) => Math.Exp(-0.5) / (2 * Math.PI * sigma * (double)sigma * sigma);

    /// <summary>Evaluates the convolution into <paramref name="destination"/> (length r², row-major (a, b)).</summary>
    /// <param name="atoms">Atoms in filtration units.</param>
    /// <param name="box">Box mapped onto the unit square.</param>
    /// <param name="resolution">r ≥ 1.</param>
    /// <param name="sigma">Bandwidth σ &gt; 0 (unit-square units).</param>
    /// <param name="destination">Output, length r².</param>
    public static void Compute(ReadOnlySpan<MeasureAtom> atoms, MeasureBox box, int resolution, float sigma, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        if (!(sigma > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The bandwidth must be positive.");
        }

        if (destination.Length != resolution * resolution)
        {
            throw new ArgumentException($"Destination has {destination.Length} values, expected {resolution * resolution}.", nameof(destination));
        }

        destination.Clear();
        Span<float> kx = stackalloc float[resolution];
        Span<float> ky = stackalloc float[resolution];
        double norm = 1.0 / (sigma * Math.Sqrt(2 * Math.PI));
        double inv2s2 = 1.0 / (2.0 * sigma * sigma);
        foreach (MeasureAtom atom in atoms)
        {
            float u = box.U(atom.X);
            float v = box.V(atom.Y);
            for (int a = 0; a < resolution; a++)
            {
                double s = resolution == 1 ? 0.0 : (double)a / (resolution - 1);
                kx[a] = (float)(atom.Weight * norm * Math.Exp(-(s - u) * (s - u) * inv2s2));
                ky[a] = (float)(norm * Math.Exp(-(s - v) * (s - v) * inv2s2));
            }

            for (int a = 0; a < resolution; a++)
            {
                float ka = kx[a];
                Span<float> row = destination.Slice(a * resolution, resolution);
                for (int b = 0; b < resolution; b++)
                {
                    row[b] += ka * ky[b];
                }
            }
        }
    }
}

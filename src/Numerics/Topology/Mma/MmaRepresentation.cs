namespace Pipelines.Numerics.Topology;

/// <summary>
/// Vectorizations of an <see cref="MmaModule"/> sampled on the r × r grid x_{ab} = (Lo1 + a·w₁/(r − 1),
/// Lo2 + b·w₂/(r − 1)) of its box (row-major, a the first parameter): the kernel image and the landscapes of
/// Loiseaux, Carrière, Blumberg (NeurIPS 2023).
/// </summary>
/// <remarks>
/// Stability (ours, for these exact definitions; the paper's theorem text was not available here):
/// <list type="bullet">
/// <item>Landscape: at a grid point on a swept line, λ_k is the k-th one-parameter landscape of that line's barcode
/// (the summands restrict exactly to it), so for filtrations f, g on the same box and δ,
/// |λ_k(f)(x) − λ_k(g)(x)| ≤ ‖f − g‖_∞ (pushing onto a line is 1-Lipschitz, landscapes are 1-Lipschitz in the
/// bottleneck distance); at other points add 2δ.</item>
/// <item>Image: if the summands of f and g correspond one-to-one with bars moving by at most ε on every line (so
/// corners move by ≤ ε in ℓ∞), then |d(x, M_i) − d(x, N_i)| ≤ ε, |w_i − w'_i| ≤ 2ε, and with K(t) = exp(−t²/2)
/// (Lipschitz constant e^{−1/2}), weights ≤ W and p ≥ 1, |V_f(x) − V_g(x)| ≤ Σ_i (2p·W^{p−1} + W^p·e^{−1/2}/σ)·ε. The
/// decomposition itself is not stable in general (a perturbation can change the matching of bars), so this bound
/// only covers perturbations that keep the summands' correspondence, e.g. small ones in general position.</item>
/// </list>
/// </remarks>
public static class MmaRepresentation
{
    /// <summary>
    /// Kernel image of the summands of one degree: V(x) = Σ_i w_i^p · exp(−d(x, M̃_i)² / (2σ²)), with d the ℓ∞ distance
    /// to the summand (<see cref="MmaSummand.Distance"/>) and w_i its weight (<see cref="MmaSummand.Weight"/>).
    /// </summary>
    /// <param name="module">The decomposition.</param>
    /// <param name="degree">Homology degree.</param>
    /// <param name="resolution">r ≥ 2.</param>
    /// <param name="bandwidth">σ &gt; 0, in the module's units.</param>
    /// <param name="power">p ≥ 0.</param>
    /// <param name="destination">r² values, row-major (a, b).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not r² long.</exception>
    public static void Image(MmaModule module, int degree, int resolution, float bandwidth, float power, Span<float> destination)
    {
        Check(module, resolution, destination);
        if (!(bandwidth > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "The bandwidth σ must be positive.");
        }

        if (!(power >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(power), power, "The weight power p must be ≥ 0.");
        }

        destination.Clear();
        MeasureBox box = module.Box;
        float inv = 1f / (2f * bandwidth * bandwidth);
        foreach (MmaSummand s in module.Summands(degree))
        {
            float w = s.Weight(box, module.LineOffsets);
            if (w <= 0f)
            {
                continue;
            }

            float wp = MathF.Pow(w, power);
            for (int a = 0; a < resolution; a++)
            {
                float x = GridValue(box.Lo1, box.Hi1, a, resolution);
                for (int b = 0; b < resolution; b++)
                {
                    float d = s.Distance(x, GridValue(box.Lo2, box.Hi2, b, resolution));
                    destination[(a * resolution) + b] += wp * MathF.Exp(-d * d * inv);
                }
            }
        }
    }

    /// <summary>
    /// MMA landscapes of one degree: λ_k(x) = the k-th largest landscape height (<see cref="MmaSummand.LandscapeHeight"/>)
    /// over the summands, k = 1..<paramref name="count"/>; λ_k(x) = sup{h : rank(M̃(x − h·1) → M̃(x + h·1)) ≥ k}.
    /// </summary>
    /// <param name="module">The decomposition.</param>
    /// <param name="degree">Homology degree.</param>
    /// <param name="count">K, the number of landscapes.</param>
    /// <param name="resolution">r ≥ 2.</param>
    /// <param name="destination">K·r² values: landscape k (0-based) at offset k·r², row-major (a, b).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not K·r² long.</exception>
    public static void Landscapes(MmaModule module, int degree, int count, int resolution, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(module);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 2);
        int cells = resolution * resolution;
        if (destination.Length != count * cells)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; {count} landscapes on a {resolution}×{resolution} grid need {count * cells}.", nameof(destination));
        }

        destination.Clear();
        MeasureBox box = module.Box;
        IReadOnlyList<MmaSummand> summands = module.Summands(degree);
        Span<float> top = stackalloc float[count];
        for (int a = 0; a < resolution; a++)
        {
            float x = GridValue(box.Lo1, box.Hi1, a, resolution);
            for (int b = 0; b < resolution; b++)
            {
                float y = GridValue(box.Lo2, box.Hi2, b, resolution);
                top.Clear();
                foreach (MmaSummand s in summands)
                {
                    float h = s.LandscapeHeight(x, y, box);
                    if (h <= top[count - 1])
                    {
                        continue;
                    }

                    // Insert into the descending top-K list.
                    int at = count - 1;
                    while (at > 0 && top[at - 1] < h)
                    {
                        top[at] = top[at - 1];
                        at--;
                    }

                    top[at] = h;
                }

                for (int k = 0; k < count; k++)
                {
                    destination[(k * cells) + (a * resolution) + b] = top[k];
                }
            }
        }
    }

    /// <summary>The grid value Lo + i·(Hi − Lo)/(r − 1).</summary>
    /// <param name="lo">Lower end.</param>
    /// <param name="hi">Upper end.</param>
    /// <param name="index">i.</param>
    /// <param name="resolution">r.</param>
    /// <returns>The value.</returns>
    public static float GridValue(float lo, float hi, int index, int resolution) => lo + (index * (hi - lo) / (resolution - 1));

    private static void Check(MmaModule module, int resolution, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 2);
        if (destination.Length != resolution * resolution)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; a {resolution}×{resolution} image needs {resolution * resolution}.", nameof(destination));
        }
    }
}

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019) over flat float parameters, updated in place:
/// <c>m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m̂/(√v̂+ε) + λ·p)</c> with bias-corrected m̂, v̂.
/// </summary>
public sealed class AdamW
{
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;

    /// <summary>Creates the optimizer with its hyper-parameters.</summary>
    public AdamW(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    /// <summary>One update of <paramref name="p"/> at 1-based <paramref name="step"/>.</summary>
    public void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, int step, float lr, float weightDecay)
    {
        if (g.Length != p.Length || m.Length != p.Length || v.Length != p.Length)
        {
            throw new ArgumentException($"AdamW: parameter has {p.Length} elements, gradient {g.Length}, moments {m.Length}/{v.Length}.");
        }

        float c1 = 1f / (1f - MathF.Pow(_beta1, step));
        float c2 = 1f / (1f - MathF.Pow(_beta2, step));
        float b1 = _beta1, b2 = _beta2, eps = _epsilon;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i];
            float mi = (b1 * m[i]) + ((1 - b1) * gi);
            float vi = (b2 * v[i]) + ((1 - b2) * gi * gi);
            m[i] = mi;
            v[i] = vi;
            p[i] -= lr * (((mi * c1) / (MathF.Sqrt(vi * c2) + eps)) + (weightDecay * p[i]));
        }
    }
}

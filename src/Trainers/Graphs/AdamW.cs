namespace Pipelines.Trainers.Graphs;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019) over float parameter arrays, in place:
/// <c>m ← β₁m + (1−β₁)g</c>, <c>v ← β₂v + (1−β₂)g²</c>, <c>θ ← θ − lr·(m̂/(√v̂+ε) + λθ)</c>; decay skipped for 0/1-D tensors
/// (biases, ε), as the reference excludes biases.
/// </summary>
public sealed class AdamW
{
    private readonly float[][] _m;
    private readonly float[][] _v;
    private readonly bool[] _decay;
    private int _step;

    /// <summary>Creates optimizer state for tensors of the given sizes and ranks.</summary>
    public AdamW(IReadOnlyList<(int Length, int Rank)> tensors, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _m = tensors.Select(t => new float[t.Length]).ToArray();
        _v = tensors.Select(t => new float[t.Length]).ToArray();
        _decay = tensors.Select(t => t.Rank >= 2).ToArray();
        (Beta1, Beta2, Epsilon) = (beta1, beta2, epsilon);
    }

    /// <summary>β₁.</summary>
    public float Beta1 { get; }

    /// <summary>β₂.</summary>
    public float Beta2 { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <summary>Steps taken.</summary>
    public int StepCount => _step;

    /// <summary>Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/>.</summary>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<ReadOnlyMemory<float>> gradients, float learningRate, float weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        _step++;
        float c1 = 1 - MathF.Pow(Beta1, _step);
        float c2 = 1 - MathF.Pow(Beta2, _step);
        for (int p = 0; p < parameters.Count; p++)
        {
            float[] theta = parameters[p];
            ReadOnlySpan<float> g = gradients[p].Span;
            float[] m = _m[p];
            float[] v = _v[p];
            float wd = _decay[p] ? weightDecay : 0;
            for (int i = 0; i < theta.Length; i++)
            {
                float gi = g[i];
                m[i] = (Beta1 * m[i]) + ((1 - Beta1) * gi);
                v[i] = (Beta2 * v[i]) + ((1 - Beta2) * gi * gi);
                float update = (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + Epsilon);
                theta[i] -= learningRate * (update + (wd * theta[i]));
            }
        }
    }
}

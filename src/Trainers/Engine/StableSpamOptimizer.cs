using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// Stable-SPAM (Huang et al., 2025; reference <c>StableSPAM/galore_torch/stablespam.py</c>): Adam on a gradient that is
/// first clipped where it spikes and then normalised, with periodic momentum reset. Per parameter tensor P with gradient
/// g and tensor step t (all state in the graph):
/// <list type="number">
/// <item>MoRet: when the global step k (1-based) is a multiple of ΔT, m, v ← 0 and t ← 0 before this step.</item>
/// <item>t ← t + 1; decoupled weight decay P ← P·(1 − lr·λ).</item>
/// <item>AdaClip: gmax = max|g|, T ← θT + (1−θ)gmax, T̂ = T/(1−θᵗ); where |gᵢ| &gt; T̂, gᵢ ← gᵢ/gmax·T̂.</item>
/// <item>AdaGN: n = ‖g‖₂, μ ← γ₁μ + (1−γ₁)n, ν ← γ₂ν + (1−γ₂)n², c = (μ/(1−γ₁ᵗ)) / (√(ν/(1−γ₂ᵗ)) + ε); g ← g/n·c if n &gt; 0.</item>
/// <item>Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², P ← P − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).</item>
/// </list>
/// State per tensor: m, v shaped like P; scalars T, μ, ν, t. The reset here takes effect in the step it is due (the
/// reference's in-place reset lands one step later, see the research note); the reference's optional cosine schedule of
/// γ₁ (<c>total_T</c>) is not implemented. lr is scaled by the parameter's multiplier.
/// </summary>
/// <param name="Beta1">β₁ in [0, 1).</param>
/// <param name="Beta2">β₂ in [0, 1).</param>
/// <param name="Epsilon">ε &gt; 0.</param>
/// <param name="Gamma1">γ₁ in [0, 1): the EMA rate of the gradient norm (AdaGN).</param>
/// <param name="Gamma2">γ₂ in [0, 1): the EMA rate of the squared gradient norm (AdaGN).</param>
/// <param name="Theta">θ in [0, 1): the EMA rate of the spike threshold (AdaClip; γ₃ in the reference).</param>
/// <param name="ResetInterval">ΔT ≥ 1: momentum reset every ΔT global steps.</param>
public sealed record StableSpamOptimizer(
    double Beta1 = StableSpamDefaults.Beta1,
    double Beta2 = StableSpamDefaults.Beta2,
    double Epsilon = StableSpamDefaults.Epsilon,
    double Gamma1 = StableSpamDefaults.Gamma1,
    double Gamma2 = StableSpamDefaults.Gamma2,
    double Theta = StableSpamDefaults.Theta,
    int ResetInterval = StableSpamDefaults.ResetInterval) : Optimizer
{
    internal override IReadOnlyList<string> Slots => ["spam_m", "spam_v", "spam_clip", "spam_norm_mean", "spam_norm_square", "spam_step"];

    internal override OnnxTensor InitialSlot(int k, string name, OnnxTensor parameter, TensorElementType type) =>
        k < 2 ? base.InitialSlot(k, name, parameter, type) : new OnnxTensor(name, type, [], new byte[type.RawByteCount(1)]);

    internal override void Validate()
    {
        foreach ((string name, double value) in new[] { ("Beta1", Beta1), ("Beta2", Beta2), ("Gamma1", Gamma1), ("Gamma2", Gamma2), ("Theta", Theta) })
        {
            if (value is < 0 or >= 1)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1).");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epsilon);
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay);
        ArgumentOutOfRangeException.ThrowIfLessThan(ResetInterval, 1);
    }

    // [reset (bool), k] — whether this global step resets the moments
    internal override string[] Prepare(OptimizerStep s)
    {
        GraphBuilder b = s.Builder;
        string k = b.Op("Add", s.Step, s.Scalar(1));
        string interval = s.Scalar(ResetInterval);
        string remainder = b.Op("Sub", k, b.Op("Mul", b.Op("Floor", b.Op("Div", k, interval)), interval));
        return [b.Op("Equal", remainder, s.Scalar(0))];
    }

    internal override (string Parameter, string[] Slots) Update(OptimizerStep s, string[] shared, string p, string g, string[] slots, double scale, bool decays)
    {
        GraphBuilder b = s.Builder;
        var keep0 = OnnxAttribute.Int("keepdims", 0);
        string reset = shared[0];
        string zero = s.Scalar(0), one = s.Scalar(1);
        string mPrev = b.Op("Where", reset, zero, slots[0]);
        string vPrev = b.Op("Where", reset, zero, slots[1]);
        string t = b.Op("Add", b.Op("Where", reset, zero, slots[5]), one);
        string Correction(double rate) => b.Op("Sub", one, b.Op("Pow", s.Scalar(rate), t));   // 1 − rateᵗ
        string lr = s.ScaledLearningRate(scale);

        // AdaClip
        string abs = b.Op("Abs", g);
        string gmax = b.Op("ReduceMax", [abs], keep0);
        string clip = b.Op("Add", b.Op("Mul", slots[2], s.Scalar(Theta)), b.Op("Mul", gmax, s.Scalar(1 - Theta)));
        string threshold = b.Op("Div", clip, Correction(Theta));
        string clipped = b.Op("Where", b.Op("Greater", abs, threshold), b.Op("Mul", b.Op("Div", g, gmax), threshold), g);

        // AdaGN
        string n = b.Op("Sqrt", b.Op("ReduceSumSquare", [clipped], keep0));
        string mu = b.Op("Add", b.Op("Mul", slots[3], s.Scalar(Gamma1)), b.Op("Mul", n, s.Scalar(1 - Gamma1)));
        string nu = b.Op("Add", b.Op("Mul", slots[4], s.Scalar(Gamma2)), b.Op("Mul", b.Op("Mul", n, n), s.Scalar(1 - Gamma2)));
        string c = b.Op("Div", b.Op("Div", mu, Correction(Gamma1)), b.Op("Add", b.Op("Sqrt", b.Op("Div", nu, Correction(Gamma2))), s.Scalar(Epsilon)));
        string positive = b.Op("Greater", n, zero);
        string safeN = b.Op("Where", positive, n, one);
        string normalised = b.Op("Where", positive, b.Op("Mul", b.Op("Div", clipped, safeN), c), clipped);

        // Adam
        string m = b.Op("Add", b.Op("Mul", mPrev, s.Scalar(Beta1)), b.Op("Mul", normalised, s.Scalar(1 - Beta1)));
        string v = b.Op("Add", b.Op("Mul", vPrev, s.Scalar(Beta2)), b.Op("Mul", b.Op("Mul", normalised, normalised), s.Scalar(1 - Beta2)));
        string denom = b.Op("Add", b.Op("Div", b.Op("Sqrt", v), b.Op("Sqrt", Correction(Beta2))), s.Scalar(Epsilon));
        string update = b.Op("Mul", b.Op("Div", m, denom), b.Op("Div", lr, Correction(Beta1)));
        string decayed = WeightDecay == 0 || !decays ? p : b.Op("Sub", p, b.Op("Mul", p, b.Op("Mul", lr, s.Scalar(WeightDecay))));
        return (b.Op("Sub", decayed, update), [m, v, clip, mu, nu, t]);
    }
}

/// <summary>Defaults of <see cref="StableSpamOptimizer"/>: the reference constructor's values.</summary>
public static class StableSpamDefaults
{
    /// <summary>β₁ = 0.9.</summary>
    public const double Beta1 = 0.9;

    /// <summary>β₂ = 0.999.</summary>
    public const double Beta2 = 0.999;

    /// <summary>ε = 1e-8.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>γ₁ = 0.7.</summary>
    public const double Gamma1 = 0.7;

    /// <summary>γ₂ = 0.9.</summary>
    public const double Gamma2 = 0.9;

    /// <summary>θ (γ₃) = 0.999.</summary>
    public const double Theta = 0.999;

    /// <summary>ΔT = 1000 (the 350M INT4 script uses 500).</summary>
    public const int ResetInterval = 1000;
}

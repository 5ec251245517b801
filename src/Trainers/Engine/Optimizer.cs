using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>An optimizer whose update runs inside the train-step graph; its state tensors are graph inputs/outputs.</summary>
public abstract record Optimizer
{
    private protected Optimizer()
    {
    }

    /// <summary>Decoupled weight decay λ (0 = none).</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// ⊥Grad (Prieto et al., 2025): each parameter's gradient loses its component along the parameter,
    /// g⊥ = g − (⟨w,g⟩ / (⟨w,w⟩ + 1e-30))·w, rescaled to ‖g‖, before the update (⊥AdamW with AdamW). Applied after
    /// global-norm clipping. Default <see cref="OptimizerDefaults.OrthogonalGradient"/>.
    /// </summary>
    public bool OrthogonalGradient { get; init; } = OptimizerDefaults.OrthogonalGradient;

    /// <summary>Names of the per-parameter state slots, e.g. <c>m</c>, <c>v</c>.</summary>
    internal abstract IReadOnlyList<string> Slots { get; }

    /// <summary>
    /// Whether <see cref="Update"/> is element-wise given the <see cref="Prepare"/> scalars (no reduction over a tensor,
    /// or only within blocks of <see cref="SegmentLength"/>): then it runs once over the concatenation of all parameters
    /// that share a learning-rate multiplier and weight decay (<see cref="FlatOptimizerUpdate"/>), its slots
    /// concatenated along their first axis (the default slot is stored flat, [n]).
    /// </summary>
    internal virtual bool ElementWise => false;

    /// <summary>
    /// The length of a parameter's segment of n elements in the flat buffers of <see cref="FlatOptimizerUpdate"/> (n, or n
    /// zero-padded to whole blocks for a block-wise update).
    /// </summary>
    internal virtual long SegmentLength(long n) => n;

    /// <summary>
    /// The initial value of slot <paramref name="k"/> of <paramref name="parameter"/> (default: zeros of its element
    /// count, flat [n] for an <see cref="ElementWise"/> optimizer, else shaped like it).
    /// </summary>
    internal virtual OnnxTensor InitialSlot(int k, string name, OnnxTensor parameter, TensorElementType type) =>
        new(name, type, ElementWise ? [parameter.ElementCount] : (long[])parameter.Dims.Clone(), new byte[parameter.RawData.Length]);

    /// <summary>Emits the update of one parameter; returns the new parameter and new slot values.</summary>
    /// <param name="step">The emission context.</param>
    /// <param name="shared">The per-step scalars from <see cref="Prepare"/>.</param>
    /// <param name="parameter">The parameter p.</param>
    /// <param name="gradient">Its gradient g (after clipping).</param>
    /// <param name="slots">Its slot inputs, in <see cref="Slots"/> order.</param>
    /// <param name="scale">The parameter's learning-rate multiplier m (its rate is m·lr, decay included).</param>
    /// <param name="decays">Whether <see cref="WeightDecay"/> applies to this parameter.</param>
    internal abstract (string Parameter, string[] Slots) Update(OptimizerStep step, string[] shared, string parameter, string gradient, string[] slots, double scale, bool decays);

    /// <summary>Per-step scalars shared by all parameters (e.g. bias corrections).</summary>
    internal virtual string[] Prepare(OptimizerStep step) => [];

    /// <summary>Throws when a hyper-parameter is out of range.</summary>
    internal abstract void Validate();
}

/// <summary>
/// Stochastic gradient descent with momentum μ (PyTorch convention): b ← μ·b + (g + λ·p); p ← p − m·lr·b, with m the
/// parameter's learning-rate multiplier (<see cref="TrainingGraphOptions.LearningRateMultipliers"/>) and λ = 0 for
/// parameters outside <see cref="TrainingGraphOptions.WeightDecayParameters"/>.
/// </summary>
/// <param name="Momentum">μ in [0, 1).</param>
public sealed record SgdOptimizer(double Momentum = 0.9) : Optimizer
{
    internal override IReadOnlyList<string> Slots => Momentum == 0 ? [] : ["momentum"];

    internal override bool ElementWise => true;

    internal override void Validate()
    {
        if (Momentum is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay);
    }

    internal override (string Parameter, string[] Slots) Update(OptimizerStep s, string[] shared, string p, string g, string[] slots, double scale, bool decays)
    {
        GraphBuilder b = s.Builder;
        string grad = WeightDecay == 0 || !decays ? g : b.Op("Add", g, b.Op("Mul", p, s.Scalar(WeightDecay)));
        string lr = s.ScaledLearningRate(scale);
        if (Momentum == 0)
        {
            return (b.Op("Sub", p, b.Op("Mul", grad, lr)), []);
        }

        string buf = b.Op("Add", b.Op("Mul", slots[0], s.Scalar(Momentum)), grad);
        return (b.Op("Sub", p, b.Op("Mul", buf, lr)), [buf]);
    }
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, 2019): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m̂ / (√v̂ + ε) + λp)
/// with bias corrections m̂ = m / (1−β₁ᵗ), v̂ = v / (1−β₂ᵗ), t = step + 1; lr is scaled by the parameter's multiplier
/// (<see cref="TrainingGraphOptions.LearningRateMultipliers"/>) and λ = 0 for parameters outside
/// <see cref="TrainingGraphOptions.WeightDecayParameters"/>.
/// </summary>
/// <param name="Beta1">β₁ in [0, 1).</param>
/// <param name="Beta2">β₂ in [0, 1).</param>
/// <param name="Epsilon">ε &gt; 0.</param>
public sealed record AdamWOptimizer(double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8) : Optimizer
{
    internal override IReadOnlyList<string> Slots => ["adam_m", "adam_v"];

    internal override bool ElementWise => true;

    internal override void Validate()
    {
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), $"β₁ = {Beta1} and β₂ = {Beta2} must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epsilon);
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay);
    }

    internal override string[] Prepare(OptimizerStep s)
    {
        GraphBuilder b = s.Builder;
        string t = b.Op("Add", s.Step, s.Scalar(1));
        string bc1 = b.Op("Sub", s.Scalar(1), b.Op("Pow", s.Scalar(Beta1), t));
        string bc2 = b.Op("Sub", s.Scalar(1), b.Op("Pow", s.Scalar(Beta2), t));
        return [b.Op("Div", s.LearningRate, bc1), b.Op("Sqrt", bc2)];   // lr / (1 − β₁ᵗ), √(1 − β₂ᵗ)
    }

    internal override (string Parameter, string[] Slots) Update(OptimizerStep s, string[] shared, string p, string g, string[] slots, double scale, bool decays)
    {
        GraphBuilder b = s.Builder;
        string m = b.Op("Add", b.Op("Mul", slots[0], s.Scalar(Beta1)), b.Op("Mul", g, s.Scalar(1 - Beta1)));
        string v = b.Op("Add", b.Op("Mul", slots[1], s.Scalar(Beta2)), b.Op("Mul", b.Op("Mul", g, g), s.Scalar(1 - Beta2)));

        // p − m·lr·λ·p − m·(lr / bc1) · m / (√v / √bc2 + ε), with m the parameter's learning-rate multiplier
        string denom = b.Op("Add", b.Op("Div", b.Op("Sqrt", v), shared[1]), s.Scalar(Epsilon));
        string stepSize = scale == 1 ? shared[0] : b.Op("Mul", shared[0], s.Scalar(scale));
        string update = b.Op("Mul", b.Op("Div", m, denom), stepSize);
        string decayed = WeightDecay == 0 || !decays ? p : b.Op("Sub", p, b.Op("Mul", p, b.Op("Mul", s.LearningRate, s.Scalar(WeightDecay * scale))));
        return (b.Op("Sub", decayed, update), [m, v]);
    }
}

/// <summary>Emission context of the optimizer: builder, the lr and step inputs, constants of the parameter type.</summary>
internal sealed class OptimizerStep(GraphBuilder builder, TensorElementType type, string learningRate, string step)
{
    private readonly Dictionary<double, string> _constants = [];
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public GraphBuilder Builder { get; } = builder;

    /// <summary>The element type of the parameters, the learning rate and the step.</summary>
    public TensorElementType Type { get; } = type;

    public string LearningRate { get; } = learningRate;

    public string Step { get; } = step;

    /// <summary>m·lr (the learning-rate input itself when m = 1).</summary>
    public string ScaledLearningRate(double scale) => scale == 1 ? LearningRate : Builder.Op("Mul", LearningRate, Scalar(scale));

    /// <summary>The standard-domain opset of the train-step graph (ReduceMax takes its axes as an input from 18 on).</summary>
    public long Opset { get; init; } = GraphBuilder.DefaultOpset;

    /// <summary>The element count of parameter <paramref name="parameter"/>, as registered by the builder.</summary>
    public long ElementCount(string parameter) => _counts[parameter];

    public void Register(OnnxTensor parameter) => _counts[parameter.Name] = OnnxTensor.ElementCountOf(parameter.Dims);

    /// <summary>Registers the element count of a flat buffer <paramref name="name"/> (<see cref="FlatOptimizerUpdate"/>).</summary>
    public void Register(string name, long count) => _counts[name] = count;

    public string Scalar(double value)
    {
        if (!_constants.TryGetValue(value, out string? name))
        {
            name = Builder.Scalar(value, Type, "opt_const");
            _constants[value] = name;
        }

        return name;
    }
}

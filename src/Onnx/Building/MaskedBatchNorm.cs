namespace Pipelines.Onnx;

/// <summary>Whether a normalisation layer uses the statistics of the current batch or its running statistics.</summary>
public enum NormalizationMode
{
    /// <summary>Train step: normalise with the batch's mean and (biased) variance, and emit the running-statistics update.</summary>
    Training,

    /// <summary>Inference and export: normalise with the stored running mean and variance (a fixed affine map).</summary>
    Inference,
}

/// <summary>
/// The initializer names of one BatchNorm layer: scale γ, shift β, running mean and running variance, all of the
/// statistics shape (the input's rank, 1 on the reduced axes).
/// </summary>
/// <param name="Scale">γ, initialised to 1.</param>
/// <param name="Shift">β, initialised to 0.</param>
/// <param name="RunningMean">The running mean, initialised to 0 (a running statistic, not trained).</param>
/// <param name="RunningVariance">The running (unbiased) variance, initialised to 1 (a running statistic, not trained).</param>
public sealed record BatchNormNames(string Scale, string Shift, string RunningMean, string RunningVariance)
{
    private const string ScaleSuffix = ".gamma";
    private const string ShiftSuffix = ".beta";
    private const string MeanSuffix = ".running_mean";
    private const string VarianceSuffix = ".running_var";
    private const string UpdateSuffix = ".update";

    /// <summary>The names <c>{prefix}.gamma</c>, <c>{prefix}.beta</c>, <c>{prefix}.running_mean</c>, <c>{prefix}.running_var</c>.</summary>
    /// <param name="prefix">The layer's name, e.g. <c>spe.rho.0.bn</c>.</param>
    public static BatchNormNames ForPrefix(string prefix) =>
        new(prefix + ScaleSuffix, prefix + ShiftSuffix, prefix + MeanSuffix, prefix + VarianceSuffix);

    /// <summary>Whether <paramref name="name"/> names a running statistic (carried between train steps, never trained).</summary>
    /// <param name="name">An initializer name.</param>
    public static bool IsRunningStatistic(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EndsWith(MeanSuffix, StringComparison.Ordinal) || name.EndsWith(VarianceSuffix, StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="name"/> names one of a BatchNorm layer's four tensors (kept out of weight decay).</summary>
    /// <param name="name">An initializer name.</param>
    public static bool IsNormalizationTensor(string name) =>
        IsRunningStatistic(name) || name.EndsWith(ScaleSuffix, StringComparison.Ordinal) || name.EndsWith(ShiftSuffix, StringComparison.Ordinal);

    /// <summary>The value a <see cref="NormalizationMode.Training"/> graph computes as the next value of <paramref name="runningStatistic"/>.</summary>
    /// <param name="runningStatistic">A running mean or variance name.</param>
    public static string UpdateOf(string runningStatistic) => runningStatistic + UpdateSuffix;
}

/// <summary>
/// BatchNorm (Ioffe &amp; Szegedy 2015) over the real entries of a padded batch, as ONNX nodes with gradient rules
/// (ReduceSum, Sub, Mul, Div, Sqrt, Reciprocal, Add), so the train step differentiates it.
/// </summary>
/// <remarks>
/// <para>
/// With a 0/1 mask M broadcastable to x and reduced axes R, per channel c (the axes not in R):
/// <c>n = Σ_R M</c>, <c>μ = Σ_R M⊙x / n</c>, <c>σ² = Σ_R M⊙(x−μ)² / n</c>, <c>y = M ⊙ (γ (x−μ)/√(σ²+ε) + β)</c>. Padded
/// entries neither enter the statistics nor leave anything but 0, so a graph's output does not depend on how much
/// padding its batch has (it does depend on the batch's other real entries, as BatchNorm always does in training).
/// </para>
/// <para>
/// Training also computes the running-statistics update, PyTorch's convention: <c>μ̂ ← (1−m)μ̂ + mμ</c>,
/// <c>σ̂² ← (1−m)σ̂² + m σ² n/(n−1)</c>, as the values <see cref="BatchNormNames.UpdateOf"/>; the training engine
/// carries them between steps (<c>TrainingGraphOptions.RunningStatistics</c>). Inference uses
/// <c>y = M ⊙ (γ (x−μ̂)/√(σ̂²+ε) + β)</c>.
/// </para>
/// </remarks>
public static class MaskedBatchNorm
{
    /// <summary>ε added to the variance (PyTorch's default).</summary>
    public const double Epsilon = 1e-5;

    /// <summary>The running-statistics momentum m (PyTorch's default).</summary>
    public const double Momentum = 0.1;

    /// <summary>The statistics shape of an input of <paramref name="shape"/> reduced over <paramref name="axes"/>: 1 on those axes.</summary>
    /// <param name="shape">The input's shape (reduced axes may hold any value).</param>
    /// <param name="axes">The reduced axes.</param>
    public static long[] StatisticsShape(IReadOnlyList<long> shape, IReadOnlyCollection<long> axes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(axes);
        return [.. shape.Select((d, i) => axes.Contains(i) ? 1 : d)];
    }

    /// <summary>Appends the layer to <paramref name="b"/> and returns the name of its output (x's shape).</summary>
    /// <param name="b">The builder; the caller adds the four <paramref name="names"/> initializers.</param>
    /// <param name="x">The input.</param>
    /// <param name="mask">
    /// A 0/1 mask broadcastable to x (1 = real entry) whose dims on the reduced axes equal x's (it may be 1 on channel
    /// axes), or null when every entry is real.
    /// </param>
    /// <param name="names">The layer's initializers.</param>
    /// <param name="axes">The axes the statistics are taken over (all but the channel axes).</param>
    /// <param name="mode">Batch statistics (train step) or running statistics (inference).</param>
    /// <param name="elementType">Float or Double.</param>
    public static string Append(GraphBuilder b, string x, string? mask, BatchNormNames names, long[] axes, NormalizationMode mode, TensorElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentException.ThrowIfNullOrEmpty(x);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(axes);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown normalisation mode.");
        }

        string eps = b.Scalar(Epsilon, elementType, "bn_eps");
        if (mode == NormalizationMode.Inference)
        {
            // y = (x − μ̂) · γ/√(σ̂² + ε) + β: constants only besides x, folded by the runtime
            string scale = b.Op("Div", names.Scale, b.Op("Sqrt", b.Op("Add", names.RunningVariance, eps)));
            string y = b.Op("Add", b.Op("Mul", b.Op("Sub", x, names.RunningMean), scale), names.Shift);
            return mask is null ? y : b.Op("Mul", y, mask);
        }

        string axesName = b.Int64s("bn_axes", axes);
        string one = b.Scalar(1.0, elementType, "bn_one");
        string Sum(string v) => b.Op("ReduceSum", [v, axesName], OnnxAttribute.Int("keepdims", 1));

        // n: real entries per channel; with a mask Σ_R M (its reduced dims equal x's), without one the product of x's
        // reduced dims (from its runtime shape; no gradient flows through either)
        string count = mask is null
            ? b.Op("Cast", [b.Op("ReduceProd", [b.Op("Gather", b.Op("Shape", x), axesName)], OnnxAttribute.Int("keepdims", 0))], OnnxAttribute.Int("to", (long)elementType))
            : b.Op("Max", Sum(mask), one);
        string xm = mask is null ? x : b.Op("Mul", x, mask);
        string mean = b.Op("Div", Sum(xm), count);
        string centered = b.Op("Sub", x, mean);
        string cm = mask is null ? centered : b.Op("Mul", centered, mask);
        string variance = b.Op("Div", Sum(b.Op("Mul", cm, cm)), count);
        // γ/√(σ²+ε) on the statistics shape first: one product over x's shape instead of two (forward and backward)
        string gain = b.Op("Mul", b.Op("Reciprocal", b.Op("Sqrt", b.Op("Add", variance, eps))), names.Scale);
        string output = b.Op("Add", b.Op("Mul", centered, gain), names.Shift);
        if (mask is not null)
        {
            output = b.Op("Mul", output, mask);
        }

        // running statistics (values only; they do not reach the loss): μ̂ ← (1−m)μ̂ + mμ, σ̂² ← (1−m)σ̂² + m σ² n/(n−1)
        string keep = b.Scalar(1 - Momentum, elementType, "bn_keep");
        string take = b.Scalar(Momentum, elementType, "bn_momentum");
        string unbiased = b.Op("Div", b.Op("Mul", variance, count), b.Op("Max", b.Op("Sub", count, one), one));
        b.NodeTo("Add", [b.Op("Mul", names.RunningMean, keep), b.Op("Mul", mean, take)], [BatchNormNames.UpdateOf(names.RunningMean)]);
        b.NodeTo("Add", [b.Op("Mul", names.RunningVariance, keep), b.Op("Mul", unbiased, take)], [BatchNormNames.UpdateOf(names.RunningVariance)]);
        return output;
    }

    /// <summary>The initial values of the four tensors for the statistics <paramref name="shape"/>: γ = 1, β = 0, μ̂ = 0, σ̂² = 1.</summary>
    /// <param name="names">The layer's names.</param>
    /// <param name="shape">The statistics shape (<see cref="StatisticsShape"/>).</param>
    public static IReadOnlyList<(string Name, float[] Data, long[] Shape)> InitialValues(BatchNormNames names, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(shape);
        long n = OnnxTensor.ElementCountOf(shape);
        float[] Fill(float v) => Enumerable.Repeat(v, checked((int)n)).ToArray();
        return
        [
            (names.Scale, Fill(1), shape),
            (names.Shift, Fill(0), shape),
            (names.RunningMean, Fill(0), shape),
            (names.RunningVariance, Fill(1), shape),
        ];
    }
}

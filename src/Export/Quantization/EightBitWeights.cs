namespace Pipelines.Export.Quantization;

/// <summary>
/// Mixed precision for the 4-bit formats, chosen without data: the MatMul weights of the given roles in the last
/// <see cref="LastLayers"/> transformer layers (<see cref="ModelSummary"/>'s role and layer) are stored with 8-bit codes
/// (<c>MatMulNBits</c> <c>bits = 8</c>, same block layout) instead of 4. On all-MiniLM-L6-v2 the value projections and the
/// feed-forward up-projections of the last layers carry most of the 4-bit output error (benchmarks/Quantization, sensitivity table).
/// </summary>
/// <param name="Roles">The weight roles kept at 8 bits.</param>
/// <param name="LastLayers">How many of the last layers (0: none).</param>
/// <param name="BlockSize">
/// Elements per block of the 8-bit weights (a power of two ≥ 16, capped at K): 8-bit codes are 16× finer than 4-bit ones, so
/// large blocks cost little error and save the scale bytes.
/// </param>
public sealed record EightBitWeights(IReadOnlySet<WeightRole> Roles, int LastLayers, int BlockSize = EightBitWeights.DefaultBlockSize)
{
    /// <summary>Initializer names kept at 8 bits as well, whatever their role.</summary>
    public IReadOnlySet<string> Initializers { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// The size budget of the whole artifact as a fraction of the float model's weight bytes (e.g. 0.17); &gt; 0 replaces the role
    /// rule by <see cref="EightBitAllocation"/>'s data-free choice (probe sensitivity per extra byte, greedy within the budget).
    /// 0: the role rule (<see cref="Roles"/> in the last <see cref="LastLayers"/> layers). Models the probe cannot run fall back to the rule.
    /// </summary>
    public double SizeBudget { get; init; }

    /// <summary>
    /// How the 8-bit weights are stored and run: <see cref="EightBitKernel.MatMulNBits"/> (the default) or
    /// <see cref="EightBitKernel.DynamicInt8"/>, faster on CPU for a lower fidelity (all-MiniLM-L6-v2 on an Intel Xeon, same run,
    /// 872 SST-2 dev sentences: batch 32 1.18× → 0.95× float, batch 1 0.91× → 0.80×, mean cosine 0.99121 → 0.98830).
    /// </summary>
    public EightBitKernel Kernel { get; init; }

    /// <summary>Seed of <see cref="SensitivityProbe"/>'s synthetic tokens (with <see cref="SizeBudget"/>).</summary>
    public int Seed { get; init; } = SensitivityProbe.Defaults.Seed;

    /// <summary>The default 8-bit block size.</summary>
    public const int DefaultBlockSize = 128;

    /// <summary>No weight at 8 bits (pure 4-bit).</summary>
    public static EightBitWeights None { get; } = new(new HashSet<WeightRole>(), 0);

    /// <summary>Checks the values and throws naming the bad one.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0)
        {
            throw new ArgumentException($"8-bit block size {BlockSize} is not a power of two ≥ 16.", nameof(BlockSize));
        }

        if (LastLayers < 0)
        {
            throw new ArgumentException($"8-bit last layers {LastLayers} is negative.", nameof(LastLayers));
        }

        if (SizeBudget is < 0 or >= 1 || double.IsNaN(SizeBudget))
        {
            throw new ArgumentException($"8-bit size budget {SizeBudget} is not in [0, 1) (a fraction of the float size, e.g. 0.17; 0: the role rule).", nameof(SizeBudget));
        }

        if (SizeBudget > 0 && Kernel != EightBitKernel.MatMulNBits)
        {
            throw new ArgumentException($"The 8-bit size budget estimates MatMulNBits bytes; it cannot be combined with the {Kernel} kernel (use the role rule: budget 0).", nameof(Kernel));
        }
    }

    /// <summary>The initializer names selected in <paramref name="model"/> by the role rule (see <see cref="EightBitAllocation"/> for the budget).</summary>
    public IReadOnlySet<string> Select(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = new HashSet<string>(Initializers, StringComparer.Ordinal);
        if (LastLayers <= 0 || Roles.Count == 0)
        {
            return names;
        }

        IReadOnlyList<LinearWeight> weights = ModelSummary.Create(model).Weights;
        int last = weights.Count == 0 ? -1 : weights.Max(w => w.Layer);
        names.UnionWith(weights.Where(w => w.Layer >= 0 && w.Layer > last - LastLayers && Roles.Contains(w.Role)).Select(w => w.Initializer));
        return names;
    }

    /// <summary>The block size for a weight with <paramref name="k"/> input features.</summary>
    public int BlockSizeFor(int k)
    {
        int b = BlockSize;
        while (b > 16 && b > k)
        {
            b /= 2;
        }

        return b;
    }

    /// <summary>The roles' short names, comma-separated (e.g. <c>v,ffn-in</c>).</summary>
    public string RolesText => string.Join(',', Roles.Order().Select(WeightRoles.ShortName));

    /// <summary>A short description, e.g. <c>int8 v,ffn-in last 3</c>; empty when none.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (SizeBudget > 0)
        {
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"by probe within {SizeBudget:0.###}× float"));
        }
        else if (LastLayers > 0 && Roles.Count > 0)
        {
            parts.Add($"{RolesText} last {LastLayers}");
        }

        if (Initializers.Count > 0)
        {
            parts.Add($"{Initializers.Count} named");
        }

        return parts.Count == 0 ? "" : Kernel == EightBitKernel.DynamicInt8
            ? $"int8 {string.Join(" + ", parts)} dynamic per-channel"
            : $"int8 {string.Join(" + ", parts)} block {BlockSize}";
    }
}

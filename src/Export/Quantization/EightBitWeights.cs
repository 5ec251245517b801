namespace Pipelines.Export.Quantization;

/// <summary>
/// Mixed precision for the 4-bit formats, chosen without data: the MatMul weights of the given roles in the last
/// <see cref="LastLayers"/> transformer layers (<see cref="ModelSummary"/>'s role and layer) are stored with 8-bit codes
/// (<c>MatMulNBits</c> <c>bits = 8</c>, same block layout) instead of 4. On all-MiniLM-L6-v2 the value projections and the
/// feed-forward up-projections of the last layers carry most of the 4-bit output error (benchmarks/Quantization, sensitivity table).
/// </summary>
/// <param name="Roles">The weight roles kept at 8 bits.</param>
/// <param name="LastLayers">How many of the last layers (0: none).</param>
public sealed record EightBitWeights(IReadOnlySet<WeightRole> Roles, int LastLayers)
{
    /// <summary>No weight at 8 bits (pure 4-bit).</summary>
    public static EightBitWeights None { get; } = new(new HashSet<WeightRole>(), 0);

    /// <summary>The initializer names selected in <paramref name="model"/>.</summary>
    public IReadOnlySet<string> Select(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (LastLayers <= 0 || Roles.Count == 0)
        {
            return names;
        }

        IReadOnlyList<LinearWeight> weights = ModelSummary.Create(model).Weights;
        int last = weights.Count == 0 ? -1 : weights.Max(w => w.Layer);
        names.UnionWith(weights.Where(w => w.Layer >= 0 && w.Layer > last - LastLayers && Roles.Contains(w.Role)).Select(w => w.Initializer));
        return names;
    }

    /// <summary>The roles' short names, comma-separated (e.g. <c>v,ffn-in</c>).</summary>
    public string RolesText => string.Join(',', Roles.Order().Select(WeightRoles.ShortName));

    /// <summary>A short description, e.g. <c>int8 v,ffn-in last 3</c>; empty when none.</summary>
    public override string ToString() =>
        LastLayers <= 0 || Roles.Count == 0 ? "" : $"int8 {RolesText} last {LastLayers}";
}

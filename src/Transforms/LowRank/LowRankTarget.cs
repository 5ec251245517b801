using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>A resolved adapter target: the weight, its module name, rank and alpha.</summary>
/// <param name="Weight">The linear weight from <see cref="ModelSummary"/>.</param>
/// <param name="Module">
/// The module name: BERT-style from the structural role and layer (<c>encoder.layer.0.attention.self.query</c>) when
/// both are known, else <c>node.&lt;node name&gt;</c>. Adapter initializers are named <c>&lt;module&gt;.lora_A</c> etc.
/// </param>
/// <param name="Rank">Rank r.</param>
/// <param name="Alpha">Alpha α.</param>
public sealed record LowRankTarget(LinearWeight Weight, string Module, int Rank, float Alpha)
{
    /// <summary>True for rsLoRA (Kalajdzievski 2023, peft's <c>use_rslora</c>): s = α/√r instead of α/r.</summary>
    public bool RsLora { get; init; }

    /// <summary>s = α/r, or α/√r under <see cref="RsLora"/>: the one place the adapter scale is computed.</summary>
    public float Scale => LowRankOptions.Scale(Rank, Alpha, RsLora);

    /// <summary>The α that gives scale <paramref name="scale"/> at rank <paramref name="rank"/> under this target's convention.</summary>
    /// <param name="scale">The scale s to keep.</param>
    /// <param name="rank">The new rank.</param>
    public float AlphaFor(float scale, int rank) => RsLora ? scale * MathF.Sqrt(rank) : scale * rank;

    /// <summary>Input features (rows of A).</summary>
    public int InFeatures => checked((int)Weight.InFeatures);

    /// <summary>Output features (columns of B).</summary>
    public int OutFeatures => checked((int)Weight.OutFeatures);
}

/// <summary>Module names and target resolution.</summary>
public static class LowRankTargets
{
    /// <summary>The module name of <paramref name="weight"/> (see <see cref="LowRankTarget.Module"/>).</summary>
    public static string ModuleName(LinearWeight weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        string? suffix = weight.Role switch
        {
            WeightRole.Query => "attention.self.query",
            WeightRole.Key => "attention.self.key",
            WeightRole.Value => "attention.self.value",
            WeightRole.AttentionOutput => "attention.output.dense",
            WeightRole.FfnIn => "intermediate.dense",
            WeightRole.FfnOut => "output.dense",
            _ => null,
        };
        if (weight.Role == WeightRole.Pooler)
        {
            return "pooler.dense";
        }

        return suffix is not null && weight.Layer >= 0 ? $"encoder.layer.{weight.Layer}.{suffix}" : "node." + weight.Node;
    }

    /// <summary>The targets <paramref name="options"/> selects in <paramref name="model"/>, with ranks and alphas resolved.</summary>
    /// <exception cref="ArgumentException">No weight matches, or a rank exceeds a target's dimensions.</exception>
    public static IReadOnlyList<LowRankTarget> Resolve(OnnxModel model, LowRankOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var regexes = options.Overrides
            .Select(o => (Override: o, Regex: new System.Text.RegularExpressions.Regex(o.Pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant)))
            .ToList();
        var result = new List<LowRankTarget>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (LinearWeight w in ModelSummary.Create(model).Weights)
        {
            string module = ModuleName(w);
            if (!options.Targets.Matches(w, module))
            {
                continue;
            }

            if (!seen.Add(module))
            {
                module = "node." + w.Node;
            }

            int rank = options.Rank;
            float? alpha = null;
            foreach ((TargetOverride o, System.Text.RegularExpressions.Regex regex) in regexes)
            {
                if (regex.IsMatch(module))
                {
                    rank = o.Rank ?? rank;
                    alpha = o.Alpha;
                    break;
                }
            }

            float a = alpha ?? options.Alpha ?? rank;
            long minDim = Math.Min(w.InFeatures, w.OutFeatures);
            if (rank > minDim)
            {
                throw new ArgumentException(
                    $"Rank {rank} exceeds min(in, out) = {minDim} of weight '{w.Initializer}' ({module}, {w.InFeatures}x{w.OutFeatures}).",
                    nameof(options));
            }

            result.Add(new LowRankTarget(w, module, rank, a) { RsLora = options.RsLora });
        }

        if (result.Count == 0)
        {
            throw new ArgumentException($"No linear weight of the model matches the target selector '{options.Targets}'.", nameof(options));
        }

        return result;
    }
}

namespace Pipelines.Onnx.Autodiff;

/// <summary>The registry of per-op gradient rules (standard domain), and the ops gradients never flow through.</summary>
internal static class GradientRules
{
    private static readonly Dictionary<string, GradientRule> s_rules = Create();

    /// <summary>Ops whose float outputs have zero or no gradient: the path from a trainable tensor stops there.</summary>
    public static readonly HashSet<string> Stopping = new(StringComparer.Ordinal)
    {
        "Shape", "Size", "Sign", "Floor", "Ceil", "Round", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "Not", "And", "Or", "Xor", "ArgMax", "ArgMin", "NonZero", "ConstantOfShape", "EyeLike", "RandomUniformLike",
        "RandomNormalLike", "OneHot", "IsNaN", "IsInf",
    };

    /// <summary>Op types with a rule, sorted (for documentation and error messages).</summary>
    public static IReadOnlyList<string> Supported => [.. s_rules.Keys.Order(StringComparer.Ordinal)];

    public static bool TryGet(OnnxNode node, out GradientRule rule)
    {
        rule = null!;
        return node.Domain.Length == 0 && s_rules.TryGetValue(node.OpType, out rule!);
    }

    private static Dictionary<string, GradientRule> Create()
    {
        var rules = new Dictionary<string, GradientRule>(StringComparer.Ordinal);
        ArithmeticRules.Register(rules);
        UnaryRules.Register(rules);
        MatMulRules.Register(rules);
        ReductionRules.Register(rules);
        ShapeRules.Register(rules);
        IndexingRules.Register(rules);
        NormalizationRules.Register(rules);
        LossRules.Register(rules);
        return rules;
    }
}
